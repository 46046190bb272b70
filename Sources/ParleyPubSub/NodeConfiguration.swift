/// A leaf node's configuration (XEP-0060 §16.4.4, the `pubsub#node_config` fields this
/// service supports). Defaults are this service's, as §8.3 lets a service choose them.
public struct NodeConfiguration: Hashable, Sendable {
    /// §4.5: who may subscribe and retrieve items.
    public enum AccessModel: String, Hashable, Sendable, CaseIterable {
        case open, presence, roster, authorize, whitelist
    }

    /// `pubsub#publish_model`: who may publish.
    public enum PublishModel: String, Hashable, Sendable, CaseIterable {
        case publishers, subscribers, open
    }

    /// `pubsub#send_last_published_item`.
    public enum SendLastPublishedItem: String, Hashable, Sendable, CaseIterable {
        case never
        case onSubscribe = "on_sub"
        case onSubscribeAndPresence = "on_sub_and_presence"
    }

    /// `pubsub#notification_type`: the message type of event notifications.
    public enum NotificationType: String, Hashable, Sendable, CaseIterable {
        case normal, headline
    }

    public var accessModel: AccessModel = .open
    /// `pubsub#roster_groups_allowed`: the owner's contact groups that may subscribe (roster model).
    public var rosterGroupsAllowed: [String] = []
    public var publishModel: PublishModel = .publishers
    /// `pubsub#max_items`: items kept; at least 1, at most the service's maximum.
    public var maxItems: Int = 10
    public var persistItems = true
    public var deliverPayloads = true
    public var notifyRetract = true
    public var notifyDelete = true
    public var notifyConfig = false
    public var sendLastPublishedItem: SendLastPublishedItem = .never
    public var notificationType: NotificationType = .headline
    /// `pubsub#title`, empty when unset.
    public var title = ""

    public init() {}
}
