import Foundation
import ParleyXMPP

/// One leaf node (XEP-0060 §4.4): its configuration, affiliations, subscriptions and the
/// items it keeps, oldest first.
public struct PubSubNode: Hashable, Sendable {
    public var id: String
    public var configuration: NodeConfiguration
    public var creator: JID
    public var created: Date
    /// Affiliations other than `none`, by bare JID (§4.1).
    public var affiliations: [JID: Affiliation]
    /// Subscriptions in the order they were made (§4.2).
    public var subscriptions: [NodeSubscription]
    /// Items, oldest first; at most `configuration.maxItems`.
    public var items: [PublishedItem]

    public init(
        id: String, configuration: NodeConfiguration, creator: JID, created: Date,
        affiliations: [JID: Affiliation] = [:], subscriptions: [NodeSubscription] = [], items: [PublishedItem] = []
    ) {
        self.id = id
        self.configuration = configuration
        self.creator = creator.bare
        self.created = created
        self.affiliations = affiliations
        self.subscriptions = subscriptions
        self.items = items
    }

    /// The affiliation of `jid`'s bare JID; `none` when it has none.
    public func affiliation(of jid: JID) -> Affiliation { affiliations[jid.bare] ?? Affiliation.none }

    /// The owners' bare JIDs, sorted.
    public var owners: [JID] {
        affiliations.filter { $0.value == .owner }.keys.sorted { $0.description < $1.description }
    }

    /// The subscriptions of exactly `jid` (bare or full as given).
    public func subscriptions(of jid: JID) -> [NodeSubscription] { subscriptions.filter { $0.jid == jid } }

    /// Whether `jid` (or its bare JID) holds a `subscribed` subscription.
    public func isSubscribed(_ jid: JID) -> Bool {
        subscriptions.contains { $0.state == .subscribed && ($0.jid == jid || $0.jid == jid.bare) }
    }

    /// The serialized size of the items' payloads.
    public var itemBytes: Int { items.reduce(0) { $0 + $1.payloadBytes } }

    /// The item with id `id`.
    public func item(_ id: String) -> PublishedItem? { items.first { $0.id == id } }
}
