import Foundation
import ParleyCore
import ParleyIRC
import ParleyMUC
import ParleyXML
import ParleyXMPP

/// XEP-0313 archive queries on a channel room answered from the network's history (IRCv3
/// `draft/chathistory`): the CHATHISTORY request for a query, and the reply as the
/// query's `<result/>` messages and `<fin/>`. Pure.
struct GatewayArchive {
    /// Archive queries waiting per channel behind the one in flight; one more is refused.
    static let maximumQueued = 4

    /// One resource's query, waiting or in flight.
    struct Ask: Sendable {
        let session: SessionID
        /// The IQ's id and the query's `queryid` (§4.2: echoed in every result).
        let iq: String
        let queryID: String?
        let request: IRCMessage
        let limit: Int
        /// §4.1.2 `end` with a `start`: later messages are left out of the reply.
        let end: Date?
    }

    /// The request for `query` on `target`: XEP-0059 §2 `after`/`before` ids as
    /// chathistory AFTER/BEFORE `msgid=` (an id that is a server-time stamp, given for a
    /// message without msgid, as `timestamp=`); §4.1.2 `start`/`end` as AFTER/BEFORE
    /// `timestamp=`; otherwise (or `<before/>`, the last page) LATEST `*`; `max` as the
    /// limit, under the network's. What IRC history cannot select (`with`, `ids`) is
    /// feature-not-implemented.
    static func ask(
        _ query: ArchiveQuery, target: String, session: SessionID, iq: String, queryID: String?, networkLimit: Int
    ) throws(StanzaError) -> Ask {
        guard query.with == nil, query.ids == nil else {
            throw StanzaError(.featureNotImplemented, text: "the network's history is searched by id and time only")
        }
        let limit = max(1, networkLimit > 0 ? min(query.max, networkLimit) : query.max)
        let (subcommand, reference): (IRCChatHistory.Subcommand, IRCChatHistory.Reference) =
            if let after = query.after {
                (.after, reference(after))
            } else if let before = query.before {
                (.before, reference(before))
            } else if let start = query.start {
                (.after, .timestamp(start))
            } else if let end = query.end {
                (.before, .timestamp(end))
            } else {
                (.latest, .unbounded)
            }
        let request = IRCChatHistory.request(subcommand, target: target, reference, limit: limit)
        let end = subcommand == .after ? query.end : nil
        return Ask(session: session, iq: iq, queryID: queryID, request: request, limit: limit, end: end)
    }

    private static func reference(_ id: String) -> IRCChatHistory.Reference {
        IRCServerTime.parse(id).map { .timestamp($0) } ?? .messageID(id)
    }

    /// The id of an entry in results and RSM: its msgid, else its server-time stamp.
    static func id(of entry: GatewayHistory.Entry) -> String {
        entry.msgid ?? IRCServerTime.format(entry.message.timestamp ?? Date(timeIntervalSince1970: 0))
    }

    /// The reply's entries the query selects (§4.1.2: none after `end`).
    static func selected(_ entries: [GatewayHistory.Entry], for ask: Ask) -> [GatewayHistory.Entry] {
        guard let end = ask.end else { return entries }
        return entries.filter { ($0.message.timestamp ?? end) <= end }
    }

    /// §4.2: each entry as `<message><result queryid id><forwarded><delay/><message/>`
    /// `</forwarded></result></message>` from the room to the asking resource.
    static func results(_ entries: [GatewayHistory.Entry], for ask: Ask, room: UserID) -> [Message] {
        let codec = XMPPStanzaCodec()
        return entries.map { entry in
            var forwarded = XMLElement(name: "forwarded", namespace: MUCNamespace.forward)
            forwarded.append(Delay(stamp: entry.message.timestamp ?? Date(timeIntervalSince1970: 0)).element)
            forwarded.append(codec.element(for: entry.message, from: entry.message.from.description, to: ask.session.description))
            var result = XMLElement(name: "result", namespace: MUCNamespace.mam, attributes: [XMLAttribute("id", value: id(of: entry))])
            if let queryID = ask.queryID { result[attribute: "queryid"] = queryID }
            result.append(forwarded)
            return Message(kind: .normal, from: .user(room), to: .session(ask.session), payloads: [GatewayMUCRendering.payload(result)])
        }
    }

    /// §4.3: `<fin>` with the RSM `<set/>` (first, last); complete when the network gave
    /// fewer messages than asked for.
    static func fin(_ entries: [GatewayHistory.Entry], for ask: Ask, returned: Int) -> XMLElement {
        var fin = XMLElement(name: "fin", namespace: MUCNamespace.mam)
        if returned < ask.limit { fin[attribute: "complete"] = "true" }
        var set = XMLElement(name: "set", namespace: MUCNamespace.rsm)
        if let first = entries.first { set.append(text: id(of: first), in: "first", namespace: MUCNamespace.rsm) }
        if let last = entries.last { set.append(text: id(of: last), in: "last", namespace: MUCNamespace.rsm) }
        fin.append(set)
        return fin
    }
}
