/// Why the service ended a session.
public enum SessionCloseReason: Sendable, Equatable {
    /// A new session of the same user took the same session name (RFC 6120 §7.7.2.2).
    case replaced
    /// The service is shutting down (XMPP system-shutdown).
    case shutdown
    /// An administrator or policy ended it.
    case kicked(String)
}

/// What a subscription stanza asked or told, as delivered to the other side.
public enum SubscriptionRequest: String, Sendable, Equatable, CaseIterable {
    /// "May I see your presence?" (RFC 6121 §3.1)
    case subscribe
    /// "You may see my presence." (§3.1.5)
    case subscribed
    /// "I no longer want your presence." (§3.3)
    case unsubscribe
    /// "You may no longer see my presence" or a refusal. (§3.2)
    case unsubscribed
}

/// Everything the service tells a session, for its adapter to translate.
public enum ChatEvent: Sendable, Equatable {
    /// A message addressed to this session or to its user.
    case message(Message)
    /// A one-to-one message that another session of this user sent or received, for a
    /// session that asked to see the whole conversation (`ChatSession.receiveCopies`,
    /// XEP-0280 carbons).
    case copy(Message, MessageCopy)
    /// The presence of another session (a contact's, or a directed presence).
    case presence(from: SessionID, Presence)
    /// A subscription request or answer from another user.
    case subscription(from: UserID, SubscriptionRequest)
    /// A contact list entry was added or changed (an XMPP roster push, RFC 6121 §2.1.6).
    case contactUpdated(Contact, version: UInt64)
    /// A contact list entry was removed.
    case contactRemoved(UserID, version: UInt64)
    /// Something happened in a room this session is in.
    case room(RoomID, RoomEvent)
    /// Someone invites this user into a room (XEP-0045 §7.8; IRC INVITE).
    case invitation(room: RoomID, from: UserID, reason: String?)
    /// The user's block list changed (XEP-0191 pushes to the sessions that asked for it).
    case blockListChanged(BlockListChange)
    /// A request or answer from another session, for this session only (an XMPP IQ).
    case query(Query)
    /// A user asks for the current presence of a component's address (RFC 6121 §4.3);
    /// only components receive it.
    case probe(from: UserID)
    /// The service closed this session; the adapter should end the connection.
    case closed(SessionCloseReason)
}

/// The adapter's side of a session — Twisted's "mind": the object through which the
/// service reaches one connected client.
///
/// `deliver` is called on the home executor of a room or a user and must not block: an
/// adapter hands the event to its connection's own executor. Throwing tells the service
/// that this session is unreachable; the service then removes it and goes on delivering
/// to every other session.
public protocol SessionMind: AnyObject, Sendable {
    /// The protocol this session speaks, to choose payload forms (`TranslationTable`).
    var protocolFamily: ProtocolFamily { get }
    /// Hands one event to the session.
    func deliver(_ event: ChatEvent) throws
    /// Hands one event that many sessions receive at once (a room message to every
    /// occupant); `fanOut` lets the adapter render it once and batch its writes. The
    /// default calls `deliver(_:)`.
    func deliver(_ event: ChatEvent, fanOut: FanOut) throws
}

extension SessionMind {
    public func deliver(_ event: ChatEvent, fanOut: FanOut) throws {
        try deliver(event)
    }
}
