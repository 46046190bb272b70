/// What the sender of a message asked of the servers it crosses, in the terms of XEP-0334
/// (message processing hints) and XEP-0280 §6 (`<private/>`): whether other sessions of the
/// sender and recipient get a copy, and whether archives keep it.
public struct MessageHints: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// No copy to the user's other sessions (XEP-0334 §4.2 no-copy; XEP-0280 §6 private).
    public static let noCopy = MessageHints(rawValue: 1 << 0)
    /// Not kept in any archive (XEP-0334 §4.3 no-store, §4.1 no-permanent-store).
    public static let noStore = MessageHints(rawValue: 1 << 1)
    /// Kept in the archive even when it has no body (XEP-0334 §4.4 store).
    public static let store = MessageHints(rawValue: 1 << 2)
}

extension Message {
    /// Whether the message belongs to a one-to-one conversation that every session of the
    /// user should see (XEP-0280 §6 eligibility): chat, or normal with a body; never
    /// headline, error or room messages, and not when the sender asked for no copies.
    public var isConversation: Bool {
        guard !hints.contains(.noCopy) else { return false }
        switch kind {
        case .chat: return true
        case .normal, .notice: return body != nil
        case .headline, .room, .error: return false
        }
    }

    /// Whether a user's archive keeps the message (XEP-0313 §5.1.1 with XEP-0334 hints): a
    /// one-to-one message with a body or a meaning the conversation needs later (a
    /// correction, a retraction, a reaction), unless the sender asked for no storage.
    public var isArchivable: Bool {
        guard !hints.contains(.noStore) else { return false }
        switch kind {
        case .chat, .normal, .notice: break
        case .headline, .room, .error: return false
        }
        if body != nil || hints.contains(.store) { return true }
        return meanings.contains {
            switch $0 {
            case .correction, .retraction, .reaction: true
            default: false
            }
        }
    }
}
