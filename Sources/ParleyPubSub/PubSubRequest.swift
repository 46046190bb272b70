import ParleyXML
import ParleyXMPP

/// One request to the service, read from an IQ's child (XEP-0060 §5–§8).
public enum PubSubRequest: Hashable, Sendable {
    /// XEP-0030 on the service or a node (§5.1–§5.5).
    case discoInfo(node: String?)
    case discoItems(node: String?)
    /// §5.6, §5.7: the requester's own subscriptions and affiliations.
    case subscriptions(node: String?)
    case affiliations(node: String?)
    /// §6.1, §6.2.
    case subscribe(node: String, jid: JID, options: DataForm?)
    case unsubscribe(node: String, jid: JID, subid: String?)
    /// §6.3: read or submit one's subscription options.
    case options(node: String, jid: JID, subid: String?, submitted: DataForm?)
    /// §6.5: all items (`maxItems` newest), or those with `ids`, paged with XEP-0059.
    case items(node: String, maxItems: Int?, ids: [String], page: ResultSetRequest?)
    /// §7.1: items to publish (an item without id gets one), with §7.1.5 preconditions.
    case publish(node: String, items: [ItemSubmission], options: DataForm?)
    /// §7.2.
    case retract(node: String, ids: [String], notify: Bool)
    /// §8.1: nil asks for an instant node.
    case create(node: String?, configuration: DataForm?)
    /// §8.2: nil reads the form, a form submits it.
    case configure(node: String, submitted: DataForm?)
    /// §8.3.
    case defaultConfiguration
    /// §8.4.
    case delete(node: String, redirect: String?)
    /// §8.5.
    case purge(node: String)
    /// §8.8: nil reads the list.
    case manageSubscriptions(node: String, changes: [SubscriptionChange]?)
    /// §8.9: nil reads the list.
    case manageAffiliations(node: String, changes: [AffiliationChange]?)

    /// One `<item/>` of a publish request.
    public struct ItemSubmission: Hashable, Sendable {
        public var id: String?
        public var payload: XMLElement?
        public init(id: String?, payload: XMLElement?) {
            self.id = id
            self.payload = payload
        }
    }

    /// §8.8.2: an owner's change of one subscription (nil state: remove it).
    public struct SubscriptionChange: Hashable, Sendable {
        public var jid: JID
        public var subid: String?
        public var state: SubscriptionState?
        public init(jid: JID, subid: String?, state: SubscriptionState?) {
            self.jid = jid
            self.subid = subid
            self.state = state
        }
    }

    /// §8.9.2: an owner's change of one affiliation.
    public struct AffiliationChange: Hashable, Sendable {
        public var jid: JID
        public var affiliation: Affiliation
        public init(jid: JID, affiliation: Affiliation) {
            self.jid = jid
            self.affiliation = affiliation
        }
    }
}

/// A XEP-0059 page request: at most `max` items after (or before) an item id.
public struct ResultSetRequest: Hashable, Sendable {
    public var max: Int?
    public var after: String?
    public var before: String?
    public init(max: Int?, after: String? = nil, before: String? = nil) {
        self.max = max
        self.after = after
        self.before = before
    }
}

extension PubSubRequest {
    /// The node the request names, if it names one (nil for an instant node's creation).
    public var node: String? {
        switch self {
        case .discoInfo(let node), .discoItems(let node), .subscriptions(let node), .affiliations(let node): node
        case .create(let node, _): node
        case .defaultConfiguration: nil
        case .subscribe(let node, _, _), .unsubscribe(let node, _, _), .options(let node, _, _, _),
            .items(let node, _, _, _), .publish(let node, _, _), .retract(let node, _, _),
            .configure(let node, _), .delete(let node, _), .purge(let node),
            .manageSubscriptions(let node, _), .manageAffiliations(let node, _):
            node
        }
    }
}
