/// How reachable a session says it is: the union of XMPP's `<show/>` values (RFC 6121
/// §4.7.2.1) and IRC's away state (RFC 2812 §4.1), plus unavailable.
public enum Availability: String, Hashable, Sendable, CaseIterable {
    case chat, available, away, xa, dnd, unavailable

    /// Higher is more reachable; used to pick the user's overall presence among sessions.
    public var reachability: Int {
        switch self {
        case .chat: 5
        case .available: 4
        case .away: 3
        case .dnd: 2
        case .xa: 1
        case .unavailable: 0
        }
    }

    /// Whether the session is online at all.
    public var isOnline: Bool { self != .unavailable }
}

/// One session's presence: availability, free-text status, priority and any extension
/// payloads the client attached (capabilities, avatars, …), kept for lossless relay.
public struct Presence: Equatable, Sendable {
    public var availability: Availability
    /// Status text (XMPP `<status/>`, IRC AWAY message); nil when none.
    public var status: String?
    /// RFC 6121 §4.7.2.3: −128…127; a negative priority never receives bare-address messages.
    public var priority: Int8
    public var payloads: [ExtensionPayload]
    /// A refusal of a directed presence (XMPP `type='error'`, such as a room refusing an
    /// entry), its reason among the payloads: relayed to the session it answers, never a
    /// session's own presence.
    public var isError = false

    public init(
        _ availability: Availability = .available, status: String? = nil, priority: Int8 = 0,
        payloads: [ExtensionPayload] = []
    ) {
        self.availability = availability
        self.status = status
        self.priority = priority
        self.payloads = payloads
    }

    /// The presence of a session that is gone or never announced itself.
    public static let unavailable = Presence(.unavailable)
}

extension Presence {
    /// The presence that represents a user with several sessions: the one of the session
    /// with the highest priority, ties broken by reachability; unavailable when none is
    /// online.
    public static func derived(from sessions: some Sequence<Presence>) -> Presence {
        var best: Presence?
        for presence in sessions where presence.availability.isOnline {
            guard let current = best else {
                best = presence
                continue
            }
            if (presence.priority, presence.availability.reachability)
                > (current.priority, current.availability.reachability)
            {
                best = presence
            }
        }
        return best ?? .unavailable
    }
}
