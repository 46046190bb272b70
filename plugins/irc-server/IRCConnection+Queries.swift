import Foundation
import ParleyCore
import ParleyIRC

/// WHO (RFC 2812 §3.6.1), WHOIS (§3.6.2), WHOWAS (§3.6.3), USERHOST (§4.8) and ISON
/// (§4.9): answered from the nick table and the rooms' state.
extension IRCConnection {
    func who(_ message: IRCMessage) async {
        guard let session else { return }
        let mask = message.parameters.first ?? "*"
        let me = recipient
        if mask.hasPrefix("#") {
            if let room = IRCChannelName.roomID(for: mask), let state = await roomState(room),
                state.occupant(of: session.id) != nil || !state.configuration.hidden
            {
                for occupant in state.occupants.values.sorted(by: { $0.nick.key < $1.nick.key }) {
                    let prefixes = IRCChannelModes.prefixes(
                        of: occupant, moderated: state.configuration.moderated, multiPrefix: me.multiPrefix)
                    let away = IRCAway.awayMessage(for: occupant.presence) != nil
                    send(
                        whoReply(
                            channel: mask, nick: shared.naming.nick(of: occupant),
                            hostmask: shared.naming.source(of: occupant), away: away, prefixes: prefixes,
                            realname: realname(of: occupant)))
                }
            }
        } else if let entry = shared.nicks.entry(for: mask), let hostmask = entry.hostmask {
            let away = entry.mind?.awayMessage != nil
            send(
                whoReply(
                    channel: "*", nick: entry.nick, hostmask: hostmask, away: away, prefixes: "",
                    realname: entry.realname ?? entry.nick))
        }
        numeric(IRCNumeric.endOfWho, [mask, "End of WHO list"])
    }

    /// 352 RPL_WHOREPLY: `<channel> <user> <host> <server> <nick> <H|G>[prefixes] :0 <realname>`.
    private func whoReply(
        channel: String, nick: String, hostmask: String, away: Bool, prefixes: String, realname: String
    ) -> IRCMessage {
        let (userPart, host) = Self.userAndHost(of: hostmask)
        return IRCMessage(
            source: shared.serverName, command: IRCNumeric.whoReply,
            parameters: [
                self.nick, channel, userPart, host, shared.serverName, nick, (away ? "G" : "H") + prefixes,
                "0 \(realname)",
            ])
    }

    /// The realname an occupant gave in USER when it is an IRC client of this server; its
    /// nick otherwise (an XMPP occupant has none).
    private func realname(of occupant: Occupant) -> String {
        guard let entry = shared.nicks.entry(for: occupant.nick.displayName), let session = entry.session,
            occupant.sessions.contains(session.id)
        else { return occupant.nick.displayName }
        return entry.realname ?? entry.nick
    }

    /// The user and host parts of `nick!user@host`.
    static func userAndHost(of hostmask: String) -> (String, String) {
        let parsed = IRCUserHost(parsing: hostmask)
        return (parsed.user ?? "*", parsed.host ?? "*")
    }

    func whois(_ message: IRCMessage) async {
        guard let session else { return }
        guard let first = message.parameters.last, !first.isEmpty else {
            return numeric(IRCNumeric.noNicknameGiven, ["No nickname given"])
        }
        let target = String(first.split(separator: ",").first ?? "")
        guard let entry = shared.nicks.entry(for: target), let hostmask = entry.hostmask, let targetSession = entry.session
        else {
            numeric(IRCNumeric.noSuchNick, [target, "No such nick/channel"])
            return numeric(IRCNumeric.endOfWhois, [target, "End of /WHOIS list"])
        }
        let me = recipient
        let (userPart, host) = Self.userAndHost(of: hostmask)
        numeric(IRCNumeric.whoisUser, [entry.nick, userPart, host, "*", entry.realname ?? entry.nick])
        var channels: [String] = []
        for room in targetSession.joinedRooms.sorted() {
            guard let state = await roomState(room), let occupant = state.occupant(of: targetSession.id) else { continue }
            // Secret channels only show to someone in them too.
            if state.configuration.hidden && state.occupant(of: session.id) == nil { continue }
            let prefixes = IRCChannelModes.prefixes(
                of: occupant, moderated: state.configuration.moderated, multiPrefix: me.multiPrefix)
            channels.append(prefixes + IRCChannelName.channel(for: room))
        }
        if !channels.isEmpty { numeric(IRCNumeric.whoisChannels, [entry.nick, channels.joined(separator: " ")]) }
        numeric(IRCNumeric.whoisServer, [entry.nick, shared.serverName, "Parley"])
        if let away = entry.mind?.awayMessage { numeric(IRCNumeric.away, [entry.nick, away]) }
        if let account = entry.account { numeric(IRCNumeric.whoisAccount, [entry.nick, account, "is logged in as"]) }
        if entry.connection.secure { numeric(IRCNumeric.whoisSecure, [entry.nick, "is using a secure connection"]) }
        numeric(IRCNumeric.endOfWhois, [entry.nick, "End of /WHOIS list"])
    }

    /// WHOWAS: no nick history is kept, so every nick is 406 ERR_WASNOSUCHNICK, then 369
    /// RPL_ENDOFWHOWAS (irssi asks after a WHOIS miss and expects both).
    func whowas(_ message: IRCMessage) {
        guard let first = message.parameters.first, !first.isEmpty else {
            return numeric(IRCNumeric.noNicknameGiven, ["No nickname given"])
        }
        for target in first.split(separator: ",").map(String.init) {
            numeric(IRCNumeric.wasNoSuchNick, [target, "There was no such nickname"])
            numeric(IRCNumeric.endOfWhowas, [target, "End of WHOWAS"])
        }
    }

    /// 302 RPL_USERHOST: `nick=+user@host` (`-` when away), at most five nicks.
    func userhost(_ message: IRCMessage) {
        guard !message.parameters.isEmpty else {
            return numeric(IRCNumeric.needMoreParams, ["USERHOST", "Not enough parameters"])
        }
        var replies: [String] = []
        for target in message.parameters.prefix(5) {
            guard let entry = shared.nicks.entry(for: target), let hostmask = entry.hostmask else { continue }
            let (userPart, host) = Self.userAndHost(of: hostmask)
            let away = entry.mind?.awayMessage != nil
            replies.append("\(entry.nick)=\(away ? "-" : "+")\(userPart)@\(host)")
        }
        numeric("302", [replies.joined(separator: " ")])
    }

    /// 303 RPL_ISON: the given nicks that are online, as the server spells them.
    func ison(_ message: IRCMessage) {
        guard !message.parameters.isEmpty else {
            return numeric(IRCNumeric.needMoreParams, ["ISON", "Not enough parameters"])
        }
        let asked = message.parameters.flatMap { $0.split(separator: " ").map(String.init) }
        let online = asked.compactMap { shared.nicks.entry(for: $0).flatMap { $0.session == nil ? nil : $0.nick } }
        numeric("303", [online.joined(separator: " ")])
    }
}
