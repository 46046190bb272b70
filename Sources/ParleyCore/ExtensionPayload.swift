import Foundation

/// The protocols whose native forms a payload can carry. Adapters for other protocols
/// add their own with `ProtocolFamily("name")`.
public struct ProtocolFamily: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }

    public static let xmpp = ProtocolFamily("xmpp")
    public static let irc = ProtocolFamily("irc")

    public var description: String { name }
}

/// A value in some protocol's own representation (an XML element tree, an IRCv3 tag
/// value) that the model carries without looking inside.
public protocol NativeValue: Sendable {
    /// Whether `other` is the same native value; used to compare payloads.
    func isSameValue(as other: any NativeValue) -> Bool
}

extension NativeValue where Self: Equatable {
    public func isSameValue(as other: any NativeValue) -> Bool {
        (other as? Self) == self
    }
}

extension String: NativeValue {}

/// An extension payload in its original protocol form: which protocol, a key naming the
/// kind of payload in that protocol (`{urn:xmpp:reply:0}reply` or `+draft/reply`), and the
/// value exactly as received.
public struct NativePayload: Sendable, Equatable {
    public let family: ProtocolFamily
    public let key: String
    public let value: any NativeValue

    public init(family: ProtocolFamily, key: String, value: any NativeValue) {
        self.family = family
        self.key = key
        self.value = value
    }

    public static func == (lhs: NativePayload, rhs: NativePayload) -> Bool {
        lhs.family == rhs.family && lhs.key == rhs.key && lhs.value.isSameValue(as: rhs.value)
    }
}

/// Typing notification states, the common ground of XEP-0085 and IRCv3 `+typing`.
public enum TypingState: String, Hashable, Sendable, CaseIterable {
    case active, composing, paused, inactive, gone
}

/// The known meaning of an extension payload, independent of any protocol.
public enum ExtensionMeaning: Hashable, Sendable {
    /// The sender's stable id for the message (XEP-0359 origin-id, IRCv3 `msgid`).
    case messageID(String)
    /// This message replies to the message with that id (XEP-0461, `+draft/reply`).
    case reply(to: String)
    /// An emoji reaction to the message with that id (XEP-0444, `+draft/react`).
    case reaction(to: String, emoji: String)
    /// This message corrects the one with that id (XEP-0308).
    case correction(of: String)
    /// The message with that id is withdrawn (XEP-0424).
    case retraction(of: String)
    /// Chat state (XEP-0085, `+typing`).
    case typing(TypingState)
    /// When the message was originally sent (XEP-0203, IRCv3 `time`).
    case timestamp(Date)
    /// A rich-text rendering of the body (XEP-0071 XHTML-IM, IRC formatting codes).
    case formatting(markup: String)
    /// The body is an action, `/me waves` (XEP-0245, CTCP ACTION).
    case action
    /// The sender invites the recipient into a room, with a reason (XEP-0249 direct
    /// invitation, IRC INVITE). It lets no one in: that is `ChatSession.invite`.
    case invitation(room: RoomID, reason: String?)

    /// The kind of meaning without its values; what the translation table is keyed by.
    public var kind: ExtensionKind {
        switch self {
        case .messageID: .messageID
        case .reply: .reply
        case .reaction: .reaction
        case .correction: .correction
        case .retraction: .retraction
        case .typing: .typing
        case .timestamp: .timestamp
        case .formatting: .formatting
        case .action: .action
        case .invitation: .invitation
        }
    }
}

/// The kinds of `ExtensionMeaning`, without their values.
public enum ExtensionKind: String, Hashable, Sendable, CaseIterable {
    case messageID, reply, reaction, correction, retraction, typing, timestamp, formatting, action, invitation
}

/// One extension payload of a message or presence: its original form, its typed meaning,
/// or (usually) both. The model never drops one silently: see `TranslationTable`.
public struct ExtensionPayload: Sendable, Equatable {
    /// What the payload means, when an adapter recognized it.
    public var meaning: ExtensionMeaning?
    /// The payload as the sending protocol carried it, when it came from a protocol.
    public var native: NativePayload?

    public init(meaning: ExtensionMeaning? = nil, native: NativePayload? = nil) {
        precondition(meaning != nil || native != nil, "a payload needs a meaning or a native form")
        self.meaning = meaning
        self.native = native
    }
}
