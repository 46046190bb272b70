/// One unit of traffic between a component and the service, in either direction: what a
/// `ComponentLink` call sends, and what a `ComponentHandler` receives. Protocol shells
/// (the XEP-0114 router and component client) translate it to and from their wire form,
/// so both sides of a socket speak the same model.
public enum ComponentTraffic: Sendable, Equatable {
    /// A message, with its own `from` and `to`.
    case message(Message)
    /// Available or unavailable presence from one address to a user or a session.
    case presence(Presence, from: SessionID, to: Address)
    /// A subscription request or answer (RFC 6121 §3).
    case subscription(SubscriptionRequest, from: UserID, to: UserID)
    /// A presence probe (RFC 6121 §4.3).
    case probe(from: UserID, to: UserID)
    /// A request or answer to one address (an XMPP IQ).
    case query(Query)

    /// The traffic for an event the service delivered to a component address; nil for events
    /// that never cross a component link (rooms, contact list pushes, closing).
    public init?(event: ChatEvent, to: Address) {
        switch (event, to) {
        case (.message(let message), _):
            self = .message(message)
        case (.presence(let from, let presence), _):
            self = .presence(presence, from: from, to: to)
        case (.subscription(let from, let request), let to):
            guard let user = to.user else { return nil }
            self = .subscription(request, from: from, to: user)
        case (.probe(let from), let to):
            guard let user = to.user else { return nil }
            self = .probe(from: from, to: user)
        case (.query(let query), _):
            self = .query(query)
        case (.contactUpdated, _), (.contactRemoved, _), (.room, _), (.invitation, _), (.closed, _), (.copy, _), (.blockListChanged, _):
            return nil
        }
    }

    /// The event and address a `ComponentHandler` receives for this traffic.
    public var delivery: (event: ChatEvent, to: Address) {
        switch self {
        case .message(let message): (.message(message), message.to)
        case .presence(let presence, let from, let to): (.presence(from: from, presence), to)
        case .subscription(let request, let from, let to): (.subscription(from: from, request), .user(to))
        case .probe(let from, let to): (.probe(from: from), .user(to))
        case .query(let query): (.query(query), .session(query.to))
        }
    }

    /// The sender's user address (its domain is what a router checks).
    public var sender: UserID? {
        switch self {
        case .message(let message): message.from.user
        case .presence(_, let from, _): from.user
        case .subscription(_, let from, _), .probe(let from, _): from
        case .query(let query): query.from.user
        }
    }
}

extension ComponentLink {
    /// Performs `traffic` through the matching call.
    nonisolated(nonsending) public func send(_ traffic: ComponentTraffic) async throws(DeliveryError) {
        switch traffic {
        case .message(let message): try await send(message)
        case .presence(let presence, let from, let to): try await sendPresence(presence, from: from, to: to)
        case .subscription(let request, let from, let to): try await sendSubscription(request, from: from, to: to)
        case .probe(let from, let to): try await probe(to, from: from)
        case .query(let query): try await send(query)
        }
    }
}
