import Foundation
import ParleyCore
import ParleyIRC

/// WHO with WHOX (modern.ircdocs.horse "WHO message", IRCv3 whox), WHOIS (RFC 2812
/// §3.6.2), WHOWAS (§3.6.3), USERHOST (§4.8) and ISON (§4.9): answered from the nick
/// table, the nick history and the rooms' state. Invisible users (+i, the default) are
/// shown only to who shares a channel with them.
extension IRCConnection {
    func who(_ message: IRCMessage) async {
        guard let session else { return }
        let query = IRCWho(parameters: message.parameters)
        var listed = Set<String>()  // a user once per reply, however many masks match it
        for mask in query.masks.prefix(IRCServerInfo.maxTargets) {
            if mask.hasPrefix("#") {
                await whoChannel(mask, query: query, asker: session)
            } else {
                for entry in shared.nicks.registered.sorted(by: { $0.nick < $1.nick }) {
                    guard let registered = entry.registered, let target = entry.session,
                        !listed.contains(IRCNickTable.fold(entry.nick)),
                        whoMatches(mask, entry: entry, registered: registered),
                        // An exact nick shows even an invisible user, as WHOIS does.
                        IRCNickTable.fold(mask) == IRCNickTable.fold(entry.nick)
                            || sees(target, modes: registered.modes, asker: session),
                        !query.operatorsOnly || registered.modes.contains(.operator)
                    else { continue }
                    listed.insert(IRCNickTable.fold(entry.nick))
                    whoReply(query, row: row(channel: "*", entry: entry, registered: registered, prefixes: ""))
                }
            }
        }
        numeric(IRCNumeric.endOfWho, [message.parameters.first ?? "*", "End of WHO list"])
    }

    /// WHO #channel: every member for a member; for anyone else the members who are not
    /// invisible, and nothing of a secret channel.
    private func whoChannel(_ channel: String, query: IRCWho, asker: ChatSession) async {
        guard let room = IRCChannelName.roomID(for: channel), let state = await roomState(room) else { return }
        let member = state.occupant(of: asker.id) != nil
        guard member || !state.configuration.hidden else { return }
        let me = recipient
        for occupant in state.occupants.values.sorted(by: { $0.nick.key < $1.nick.key }) {
            let prefixes = IRCChannelModes.prefixes(
                of: occupant, moderated: state.configuration.moderated, multiPrefix: me.multiPrefix)
            if let entry = shared.naming.ircEntry(of: occupant), let registered = entry.registered {
                if !member && registered.modes.contains(.invisible) { continue }
                if query.operatorsOnly && !registered.modes.contains(.operator) { continue }
                whoReply(query, row: row(channel: channel, entry: entry, registered: registered, prefixes: prefixes))
            } else if !query.operatorsOnly {
                // An occupant of another protocol: its user and domain, its nick as realname.
                let (user, host) = Self.userAndHost(of: shared.naming.source(of: occupant))
                let away = IRCAway.awayMessage(for: occupant.presence) != nil
                whoReply(
                    query,
                    row: IRCWho.Row(
                        channel: channel, user: user, host: host, server: serverName,
                        nick: shared.naming.nick(of: occupant),
                        flags: IRCWho.flags(away: away, isOperator: false, prefixes: prefixes), idleSeconds: 0,
                        account: shared.naming.account(of: occupant), realname: occupant.nick.displayName))
            }
        }
    }

    private func row(channel: String, entry: IRCNickEntry, registered: IRCMind.Registered, prefixes: String)
        -> IRCWho.Row
    {
        let (user, host) = Self.userAndHost(of: registered.hostmask)
        return IRCWho.Row(
            channel: channel, user: user, host: host, server: serverName, nick: entry.nick,
            flags: IRCWho.flags(
                away: entry.mind?.awayMessage != nil, isOperator: registered.modes.contains(.operator),
                prefixes: prefixes),
            idleSeconds: registered.idleSeconds, account: registered.account, realname: registered.realname)
    }

    private func whoReply(_ query: IRCWho, row: IRCWho.Row) {
        let (code, parameters) = query.reply(row)
        numeric(code, parameters)
    }

    /// Whether a WHO mask names this user: its nick exactly, or a glob over its nick, user,
    /// host, server or realname (`*` and `0` match everyone).
    private func whoMatches(_ mask: String, entry: IRCNickEntry, registered: IRCMind.Registered) -> Bool {
        if mask == "*" || mask == "0" { return true }
        let glob = IRCMask(mask)
        let (user, host) = Self.userAndHost(of: registered.hostmask)
        return [entry.nick, user, host, serverName, registered.realname].contains {
            glob.matches($0, caseMapping: IRCNickTable.caseMapping)
        }
    }

    /// Whether the asker may see a user in WHO: itself, a user who is not invisible, or one
    /// it shares a channel with (RFC 2812 §3.1.5 `i`).
    func sees(_ target: ChatSession, modes: IRCUserModes, asker: ChatSession) -> Bool {
        if target.id == asker.id || !modes.contains(.invisible) { return true }
        return !Set(target.joinedRooms).isDisjoint(with: asker.joinedRooms)
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
        guard let entry = shared.nicks.entry(for: target), let registered = entry.registered else {
            numeric(IRCNumeric.noSuchNick, [target, "No such nick/channel"])
            return numeric(IRCNumeric.endOfWhois, [target, "End of /WHOIS list"])
        }
        let targetSession = registered.session
        let me = recipient
        let (userPart, host) = Self.userAndHost(of: registered.hostmask)
        numeric(IRCNumeric.whoisUser, [entry.nick, userPart, host, "*", registered.realname])
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
        if registered.modes.contains(.operator) { numeric(IRCNumeric.whoisOperator, [entry.nick, "is an IRC operator"]) }
        if let away = entry.mind?.awayMessage { numeric(IRCNumeric.away, [entry.nick, away]) }
        if let account = registered.account { numeric(IRCNumeric.whoisAccount, [entry.nick, account, "is logged in as"]) }
        if entry.connection.secure { numeric(IRCNumeric.whoisSecure, [entry.nick, "is using a secure connection"]) }
        numeric(
            IRCNumeric.whoisIdle,
            [entry.nick, String(registered.idleSeconds), String(registered.signedOnAt), "seconds idle, signon time"])
        numeric(IRCNumeric.endOfWhois, [entry.nick, "End of /WHOIS list"])
    }

    /// WHOWAS `<nick>[,<nick>] [<count>]`: 314 and 312 per remembered entry, newest first,
    /// or 406; then 369 (irssi asks after a WHOIS miss and expects both).
    func whowas(_ message: IRCMessage) {
        guard let first = message.parameters.first, !first.isEmpty else {
            return numeric(IRCNumeric.noNicknameGiven, ["No nickname given"])
        }
        let count = message.parameters.count > 1 ? Int(message.parameters[1]) : nil
        for target in first.split(separator: ",").prefix(IRCServerInfo.maxTargets).map(String.init) {
            let entries = shared.history.lookup(target, limit: count)
            if entries.isEmpty { numeric(IRCNumeric.wasNoSuchNick, [target, "There was no such nickname"]) }
            for entry in entries {
                numeric(IRCNumeric.whowasUser, [entry.nick, entry.user, entry.host, "*", entry.realname])
                if let account = entry.account {
                    numeric(IRCNumeric.whoisAccount, [entry.nick, account, "was logged in as"])
                }
                numeric(IRCNumeric.whoisServer, [entry.nick, serverName, IRCServerTime.format(entry.at)])
            }
            numeric(IRCNumeric.endOfWhowas, [target, "End of WHOWAS"])
        }
    }

    /// 302 RPL_USERHOST: `nick=+user@host` (`-` when away, `*` after an operator's nick),
    /// at most five nicks.
    func userhost(_ message: IRCMessage) {
        guard !message.parameters.isEmpty else {
            return numeric(IRCNumeric.needMoreParams, ["USERHOST", "Not enough parameters"])
        }
        var replies: [String] = []
        for target in message.parameters.prefix(5) {
            guard let entry = shared.nicks.entry(for: target), let registered = entry.registered else { continue }
            let (userPart, host) = Self.userAndHost(of: registered.hostmask)
            let away = entry.mind?.awayMessage != nil
            let oper = registered.modes.contains(.operator) ? "*" : ""
            replies.append("\(entry.nick)\(oper)=\(away ? "-" : "+")\(userPart)@\(host)")
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
