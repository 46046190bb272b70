import Foundation
import ParleyCore

/// IRCv3 message tags and CTCP ACTION ↔ the model's extension payloads, through
/// `TranslationTable` (time ↔ timestamp, msgid ↔ messageID, +draft/reply ↔ reply,
/// +typing ↔ typing, +draft/react ↔ reaction, CTCP ACTION ↔ action). Unknown client-only
/// tags (`+…`) are kept as native IRC payloads and travel unchanged to IRC recipients;
/// unknown server tags from a client are not accepted (IRCv3: clients send only `+` tags,
/// except those a server explicitly allows) and are dropped by rule.
public struct IRCPayloadMapping: Sendable {
    /// The shared rules; its `dropCounts` count what IRC could not carry.
    public let translation: TranslationTable

    public init(translation: TranslationTable = .standard) {
        self.translation = translation
    }

    /// The pseudo-protocol that unknown client-sent server tags are "delivered" to, so
    /// that `TranslationTable` drops and counts them like every other untranslatable
    /// payload (reason `irc:<key> has no known meaning for irc-server`).
    public static let clientSentServerTags = ProtocolFamily("irc-server")

    /// The reply tag a reaction travels with (IRCv3 draft/react: `+draft/react` names the
    /// emoji, `+draft/reply` the message reacted to).
    static let replyTag = "+draft/reply"
    static let reactTag = "+draft/react"

    /// From a client's PRIVMSG/NOTICE/TAGMSG: the body (with `\u{1}ACTION …\u{1}` unwrapped)
    /// and the payloads: each known tag gives a payload with BOTH its meaning and its native
    /// form; unknown `+` tags give native-only payloads; `\u{1}ACTION` gives `.action`.
    ///
    /// A known tag whose value has no meaning (`time=yesterday`, `+typing=maybe`, a
    /// `+draft/react` without `+draft/reply`) is kept native-only. The known server tags
    /// `time` and `msgid` are accepted; the server decides whether to trust them (it sets
    /// `Message.id` and `Message.timestamp` itself, which `outbound` prefers).
    public func inbound(tags: [IRCTag], text: String?) -> (body: String?, payloads: [ExtensionPayload]) {
        var payloads: [ExtensionPayload] = []
        if !tags.isEmpty { payloads.reserveCapacity(tags.count + 1) }
        for tag in tags {
            let value = tag.value ?? ""
            let native = NativePayload(family: .irc, key: tag.key, value: value)
            guard let kind = translation.kind(of: tag.key, in: .irc) else {
                if tag.isClientOnly {
                    payloads.append(ExtensionPayload(native: native))
                } else {
                    // IRCv3 message-tags "Client-only tags": anything else from a client is
                    // a server tag the server did not allow; dropped, and counted.
                    _ = translation.delivery(of: ExtensionPayload(native: native), to: Self.clientSentServerTags)
                }
                continue
            }
            payloads.append(ExtensionPayload(meaning: meaning(of: kind, value: value, among: tags), native: native))
        }
        guard let text, let action = IRCCTCPAction.unwrap(text) else { return (text, payloads) }
        payloads.append(ExtensionPayload(meaning: .action))
        return (action, payloads)
    }

    /// The meaning of a known tag's value, or nil when the value does not parse.
    func meaning(of kind: ExtensionKind, value: String, among tags: [IRCTag]) -> ExtensionMeaning? {
        switch kind {
        case .timestamp:
            return IRCServerTime.parse(value).map { .timestamp($0) }
        case .messageID:
            return value.isEmpty ? nil : .messageID(value)
        case .reply:
            return value.isEmpty ? nil : .reply(to: value)
        case .reaction:
            // IRCv3 draft/react: the target is the message named by +draft/reply.
            guard !value.isEmpty, let target = tags.last(where: { $0.key == Self.replyTag })?.value, !target.isEmpty
            else { return nil }
            return .reaction(to: target, emoji: value)
        case .typing:
            return IRCTypingValue.state(for: value).map { .typing($0) }
        case .correction:
            return value.isEmpty ? nil : .correction(of: value)
        case .retraction:
            return value.isEmpty ? nil : .retraction(of: value)
        case .formatting:
            return .formatting(markup: value)
        case .action:
            return .action
        case .invitation:
            return nil  // a command (INVITE), never a tag
        }
    }
}
