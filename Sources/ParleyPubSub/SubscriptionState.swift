import ParleyXMPP

/// The state of a subscription (XEP-0060 §4.2); `none` is the absence of one.
public enum SubscriptionState: String, Hashable, Sendable, CaseIterable {
    case subscribed
    case pending
    case unconfigured
}

/// One subscription of a JID to a node (XEP-0060 §4.2, §6.1): its id, state and options.
public struct NodeSubscription: Hashable, Sendable {
    /// The subscribed JID (bare or full, as requested).
    public var jid: JID
    /// §6.1.6: the SubID, unique per node.
    public var subid: String
    public var state: SubscriptionState
    /// §6.3, `pubsub#deliver`: whether notifications are sent.
    public var deliver: Bool

    public init(jid: JID, subid: String, state: SubscriptionState, deliver: Bool = true) {
        self.jid = jid
        self.subid = subid
        self.state = state
        self.deliver = deliver
    }
}
