import ParleyCore

/// XEP-0245 `/me`: in XMPP an action is a body convention, not an element.
extension XMPPExtensionCodec {
    /// The XEP-0245 prefix: "/me" and one space at the very start of the body.
    public static let actionPrefix = "/me "

    /// A received body: when it starts with "/me ", the rest of it and an `.action`
    /// payload (a meaning without native form: the prefix is restored on delivery), else
    /// the body unchanged and nil.
    public func decodeAction(body: String) -> (body: String, action: ExtensionPayload?) {
        guard body.hasPrefix(Self.actionPrefix) else { return (body, nil) }
        return (String(body.dropFirst(Self.actionPrefix.count)), ExtensionPayload(meaning: .action))
    }

    /// The body to deliver: "/me " put back in front when an `.action` meaning is present,
    /// whichever protocol the sender spoke (an IRC CTCP ACTION arrives the same way), so an
    /// XMPP-to-XMPP relay keeps the body byte for byte.
    public func encodeAction(body: String?, payloads: [ExtensionPayload]) -> String? {
        guard let body else { return nil }
        return payloads.contains { $0.meaning == .action } ? Self.actionPrefix + body : body
    }
}
