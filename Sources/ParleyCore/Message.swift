import Foundation

/// Where a message or presence comes from or goes to, in model terms.
public enum Address: Hashable, Sendable, CustomStringConvertible {
    /// A user as a whole (an XMPP bare JID): routed to the best of their sessions.
    case user(UserID)
    /// One session of a user (an XMPP full JID, one IRC connection).
    case session(SessionID)
    /// A room as a whole.
    case room(RoomID)
    /// One occupant of a room, by nickname.
    case occupant(RoomID, Nickname)

    public var description: String {
        switch self {
        case .user(let user): user.description
        case .session(let session): session.description
        case .room(let room): "room:\(room)"
        case .occupant(let room, let nick): "room:\(room)/\(nick)"
        }
    }

    /// The user behind a user or session address.
    public var user: UserID? {
        switch self {
        case .user(let user): user
        case .session(let session): session.user
        case .room, .occupant: nil
        }
    }
}

/// A message in the model: who, to whom, what kind, the text, and every extension payload
/// the sender attached.
public struct Message: Sendable, Equatable {
    /// The kinds of message both protocols know (RFC 6121 §5.2.2 types; IRC NOTICE).
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// One-to-one conversation (XMPP `chat`, IRC PRIVMSG to a nick).
        case chat
        /// A standalone message (XMPP `normal`).
        case normal
        /// An alert that expects no reply (XMPP `headline`).
        case headline
        /// A message that must not be answered automatically (IRC NOTICE).
        case notice
        /// A message to every occupant of a room (XMPP `groupchat`, PRIVMSG to a channel).
        case room
        /// A reply reporting an error (XMPP `error`).
        case error
    }

    /// The message's id. A room sets its own (`MessageID`, the stanza-id and IRC `msgid`)
    /// on every message it accepts; elsewhere it is the sender's id, nil when none was given.
    public var id: String?
    /// The id the sender gave a message that a room re-labelled (XEP-0359 §3.1 origin-id):
    /// the sender's adapter matches its own reflected message by it.
    public var originID: String?
    public var kind: Kind
    public var from: Address
    public var to: Address
    public var body: String?
    /// XMPP `<subject/>`; in a room, a subject-only message sets the topic.
    public var subject: String?
    public var thread: String?
    /// When the server first saw the message.
    public var timestamp: Date?
    public var payloads: [ExtensionPayload]
    /// What the sender asked of the servers on the way (XEP-0334 hints, XEP-0280 private).
    public var hints: MessageHints = []
    /// The id the recipient's archive gives a one-to-one message (XEP-0359 stanza-id by the
    /// recipient's bare address, the XEP-0313 archive id); the model mints it.
    public var archiveID: String?

    public init(
        id: String? = nil, originID: String? = nil, kind: Kind = .chat, from: Address, to: Address,
        body: String? = nil, subject: String? = nil, thread: String? = nil, timestamp: Date? = nil,
        payloads: [ExtensionPayload] = [], hints: MessageHints = []
    ) {
        self.id = id
        self.originID = originID
        self.kind = kind
        self.from = from
        self.to = to
        self.body = body
        self.subject = subject
        self.thread = thread
        self.timestamp = timestamp
        self.payloads = payloads
        self.hints = hints
    }

    /// The typed meanings among the payloads.
    public var meanings: [ExtensionMeaning] { payloads.compactMap(\.meaning) }
}
