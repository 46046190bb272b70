import Foundation
import ParleyXML
import ParleyXMPP

/// What the service's state machine returns for one request: the IQ's answer, the
/// messages to send, and what changed for the store. The shell carries them out:
/// the store first, then the answer, then the notifications.
public struct PubSubOutcome: Sendable {
    /// The result's payload (nil: an empty result), or the error.
    public var result: Result<XMLElement?, PubSubError>
    public var notifications: [PubSubNotification]
    public var changes: [PubSubChange]
    /// Every event the request caused, once each, whoever is subscribed: a PEP service
    /// (XEP-0163 §4) also sends them to contacts that asked with "+notify".
    public var announcements: [PubSubAnnouncement]

    public init(
        _ result: Result<XMLElement?, PubSubError>, notifications: [PubSubNotification] = [],
        changes: [PubSubChange] = [], announcements: [PubSubAnnouncement] = []
    ) {
        self.result = result
        self.notifications = notifications
        self.changes = changes
        self.announcements = announcements
    }

    static func failure(_ error: PubSubError) -> PubSubOutcome { PubSubOutcome(.failure(error)) }
    static func success(_ payload: XMLElement?) -> PubSubOutcome { PubSubOutcome(.success(payload)) }

    /// The error, if the request failed.
    public var error: PubSubError? {
        if case .failure(let error) = result { error } else { nil }
    }

    /// The result's payload (nil for an error or an empty result).
    public var payload: XMLElement? {
        if case .success(let payload) = result { payload } else { nil }
    }
}

/// One event of a node (`<event xmlns='…pubsub#event'>`, XEP-0060 §4.3), before it is
/// addressed to anyone.
public struct PubSubAnnouncement: Hashable, Sendable {
    public var node: String
    public var event: XMLElement

    public init(node: String, event: XMLElement) {
        self.node = node
        self.event = event
    }
}

/// One message the service sends: an event notification (§4.3) or an authorization
/// request to an owner (§8.6), from the service's JID.
public struct PubSubNotification: Hashable, Sendable {
    public var to: JID
    /// `<event xmlns='…pubsub#event'>` or a `jabber:x:data` form.
    public var payload: XMLElement
    /// The message type (`pubsub#notification_type`; `normal` for forms).
    public var type: NodeConfiguration.NotificationType
    /// §6.1.7: when an item sent after the fact was published (an XEP-0203 `<delay/>`).
    public var delay: Date?

    public init(to: JID, payload: XMLElement, type: NodeConfiguration.NotificationType, delay: Date? = nil) {
        self.to = to
        self.payload = payload
        self.type = type
        self.delay = delay
    }
}

/// What changed, for the store: it reads the node's current state from the service.
public enum PubSubChange: Hashable, Sendable {
    /// The node's configuration, affiliations or subscriptions (or a new node).
    case node(String)
    /// An item was stored (new or replaced).
    case item(node: String, id: String)
    /// An item was removed (retracted, purged, or pushed out past `max_items`).
    case itemRemoved(node: String, id: String)
    /// The node and all it held are gone.
    case nodeRemoved(String)
}

extension PubSubChange {
    /// The node the change concerns.
    public var node: String {
        switch self {
        case .node(let id), .nodeRemoved(let id): id
        case .item(let node, _), .itemRemoved(let node, _): node
        }
    }
}
