import Foundation
import ParleyCore

extension IRCPayloadMapping {
    /// For an IRC recipient: the tags to send and the text. `clientTags`: the recipient
    /// negotiated `message-tags` (then client-only tags and msgid are sent); `serverTime`: it
    /// negotiated `server-time` (then `time=` from the message timestamp, ISO 8601 UTC with
    /// milliseconds, `2026-11-22T01:02:03.456Z`). An `.action` re-wraps the body in CTCP
    /// ACTION. Payloads with no IRC form are dropped through `TranslationTable.delivery`
    /// (which counts drops). Meanings from XMPP (say a reply from an XMPP client) render as
    /// their IRC tag (`+draft/reply=<id>`).
    ///
    /// `time` comes from `Message.timestamp`, else from a timestamp payload; `msgid` from
    /// `Message.id`, else from a message-id payload; each is sent once. Formatting meanings
    /// are not rendered (the body already carries the plain text) and are not drops. Tags
    /// keep payload order after `time` and `msgid`; a repeated key is sent once.
    public func outbound(_ message: Message, clientTags: Bool, serverTime: Bool) -> (tags: [IRCTag], text: String) {
        let body = message.body ?? ""
        // The common case on the fan-out path: nothing to look at.
        if message.payloads.isEmpty {
            var tags: [IRCTag] = []
            if serverTime, let timestamp = message.timestamp { tags.append(IRCTag("time", IRCServerTime.format(timestamp))) }
            if clientTags, let id = message.id { tags.append(IRCTag("msgid", id)) }
            return (tags, body)
        }

        var timestamp = message.timestamp
        var messageID = message.id
        var isAction = false
        var rendered: [IRCTag] = []
        for payload in message.payloads {
            // Single-valued tags that IRCv3 ties to the message, not to a payload.
            switch payload.meaning {
            case .timestamp(let date)?:
                if timestamp == nil { timestamp = date }
                continue
            case .messageID(let id)?:
                if messageID == nil { messageID = id }
                continue
            default:
                if let native = payload.native, native.family == .irc, native.key == "time" || native.key == "msgid" {
                    continue
                }
            }
            switch translation.delivery(of: payload, to: .irc) {
            case .native(let native):
                guard clientTags else { continue }
                let value = native.value as? String
                append(IRCTag(native.key, value?.isEmpty == false ? value : nil), to: &rendered)
            case .render(let meaning, let form):
                switch form {
                case .ircTag(let name):
                    guard clientTags else { continue }
                    render(meaning, as: name, into: &rendered)
                case .bodyConvention:
                    if meaning == .action { isAction = true }
                case .command:
                    continue  // a line of its own (`commandMeanings(of:)`)
                case .xmlElement:
                    continue  // a table that gives IRC an XML form: nothing IRC can send
                }
            case .drop:
                continue  // counted by the table
            }
        }

        var tags: [IRCTag] = []
        tags.reserveCapacity(rendered.count + 2)
        // IRCv3 server-time; IRCv3 message-ids (sent to message-tags clients).
        if serverTime, let timestamp { tags.append(IRCTag("time", IRCServerTime.format(timestamp))) }
        if clientTags, let messageID { tags.append(IRCTag("msgid", messageID)) }
        tags.append(contentsOf: rendered)
        return (tags, isAction ? IRCCTCPAction.wrap(body) : body)
    }

    /// A meaning as the value of its IRC tag.
    private func render(_ meaning: ExtensionMeaning, as name: String, into tags: inout [IRCTag]) {
        switch meaning {
        case .reply(let id), .correction(let id), .retraction(let id), .messageID(let id):
            append(IRCTag(name, id), to: &tags)
        case .reaction(let target, let emoji):
            // IRCv3 draft/react: the emoji, with +draft/reply naming the target.
            append(IRCTag(name, emoji), to: &tags)
            append(IRCTag(Self.replyTag, target), to: &tags)
        case .typing(let state):
            append(IRCTag(name, IRCTypingValue.value(for: state)), to: &tags)
        case .timestamp(let date):
            append(IRCTag(name, IRCServerTime.format(date)), to: &tags)
        case .formatting(let markup):
            append(IRCTag(name, markup), to: &tags)
        case .action:
            append(IRCTag(name), to: &tags)
        case .invitation:
            break  // a command, never a tag
        }
    }

    /// The meanings of `message` that IRC sends as a command of their own beside the
    /// message (a XEP-0249 invitation as INVITE), in payload order.
    public func commandMeanings(of message: Message) -> [ExtensionMeaning] {
        message.payloads.compactMap { payload in
            guard let meaning = payload.meaning, case .command? = translation.rule(for: meaning.kind)?.forms[.irc]
            else { return nil }
            return meaning
        }
    }

    /// Appends unless a tag with that key is already there (IRCv3 message-tags: a key
    /// appears once).
    private func append(_ tag: IRCTag, to tags: inout [IRCTag]) {
        if !tags.contains(where: { $0.key == tag.key }) { tags.append(tag) }
    }
}
