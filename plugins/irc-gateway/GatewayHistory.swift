import Foundation
import ParleyCore
import ParleyIRC

/// A channel's history from the network (IRCv3 `draft/chathistory`,
/// extensions/chathistory.md) for the room's discussion history (XEP-0045 §7.2.14): what
/// to ask for on entering, and the reply batch as the room's messages. Pure.
struct GatewayHistory {
    /// Seconds to wait for a reply before entering with the gateway's own history.
    static let timeout = 10

    /// One history message and the network's msgid of it, for finding duplicates.
    struct Entry {
        var msgid: String?
        var message: Message
    }

    /// How many messages to ask for: the most any waiting resource wants (§7.2.14
    /// maxstanzas; nil: as many as the gateway keeps), at most `historyLength` and the
    /// network's `CHATHISTORY` limit (chathistory "ISUPPORT tokens": 0, no maximum).
    static func count(wanted: some Sequence<Int?>, historyLength: Int, networkLimit: Int) -> Int {
        let most = wanted.map { min($0 ?? historyLength, historyLength) }.max() ?? 0
        return networkLimit > 0 ? min(most, networkLimit) : most
    }

    /// The reply's PRIVMSG and NOTICE lines as room messages from their senders' occupant
    /// addresses, oldest first, with the network's time (server-time; `now` without one)
    /// for the XEP-0203 delay and the msgid as XEP-0359 stanza-id; lines without text are
    /// left out.
    static func entries(
        of lines: [IRCMessage], room: GatewayAddress, context: GatewayContext, messages: GatewayMessages, now: Date
    ) -> [Entry] {
        let by = context.user(room).description
        return lines.compactMap { line in
            let (body, payloads, msgid) = messages.inbound(line)
            guard let body else { return nil }
            let nick = IRCUserHost(parsing: line.source ?? "").nick
            var message = Message(
                id: msgid, kind: .room, from: .session(context.occupant(nick, of: room)), to: .user(context.user(room)),
                body: body, payloads: payloads)
            if let msgid { message.payloads.append(GatewayMessages.stanzaID(msgid, by: by)) }
            message.timestamp = line.tag("time").flatMap { $0 }.flatMap(IRCServerTime.parse) ?? now
            return Entry(msgid: msgid, message: message)
        }
    }

    /// The room's history once the reply came: the network's, then what was seen live
    /// while waiting for it and is not in it (chathistory "Client pseudocode": messages
    /// relayed after the JOIN may also be in the reply), the newest `limit`. It replaces the
    /// gateway's own: the network's is the same channel seen from the same place, longer,
    /// with the network's ids and times, and mixing the two would repeat messages that
    /// have no msgid to match them by.
    static func merged(network: [Entry], live: [Entry], limit: Int) -> [Message] {
        let known = Set(network.compactMap(\.msgid))
        let fresh = live.filter { $0.msgid.map { !known.contains($0) } ?? true }
        return (network + fresh).suffix(max(0, limit)).map(\.message)
    }
}
