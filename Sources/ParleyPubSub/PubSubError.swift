import ParleyXML
import ParleyXMPP

/// An error XEP-0060 names: the RFC 6120 condition and, where the XEP gives one, the
/// application-specific condition in `pubsub#errors` (§6–§8 error tables, §11 list).
public struct PubSubError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `pubsub#errors` conditions this service uses (XEP-0060 §11).
    public enum Condition: String, Hashable, Sendable, CaseIterable {
        case closedNode = "closed-node"
        case invalidJID = "invalid-jid"
        case invalidOptions = "invalid-options"
        case invalidPayload = "invalid-payload"
        case invalidSubid = "invalid-subid"
        case itemForbidden = "item-forbidden"
        case itemRequired = "item-required"
        case jidRequired = "jid-required"
        case maxItemsExceeded = "max-items-exceeded"
        case maxNodesExceeded = "max-nodes-exceeded"
        case nodeidRequired = "nodeid-required"
        case notInRosterGroup = "not-in-roster-group"
        case notSubscribed = "not-subscribed"
        case payloadTooBig = "payload-too-big"
        case payloadRequired = "payload-required"
        case pendingSubscription = "pending-subscription"
        case preconditionNotMet = "precondition-not-met"
        case presenceSubscriptionRequired = "presence-subscription-required"
        case subidRequired = "subid-required"
        case tooManySubscriptions = "too-many-subscriptions"
        case unsupported
    }

    public var stanza: StanzaError
    public var condition: Condition?
    /// The `feature` attribute of `<unsupported/>` (§11: the pubsub feature not supported).
    public var feature: String?

    public init(_ stanza: StanzaError.Condition, _ condition: Condition? = nil, feature: String? = nil, text: String? = nil) {
        self.stanza = StanzaError(stanza, text: text)
        self.condition = condition
        self.feature = feature
    }

    /// `feature-not-implemented` with `<unsupported feature='…'/>` (§11).
    public static func unsupported(_ feature: String) -> PubSubError {
        PubSubError(.featureNotImplemented, .unsupported, feature: feature)
    }

    /// The node does not exist: `item-not-found` (§6.1.3.12, §7.1.3.3, §8.2.3.5 …).
    public static let nodeNotFound = PubSubError(.itemNotFound, text: "no such node")
    /// The requester's affiliation does not allow it: `forbidden` (§7.1.3.1, §8.2.3.3 …).
    public static let forbidden = PubSubError(.forbidden)

    /// The `<error/>` element of the IQ error (in `jabber:client`, as the model carries it).
    public func element(namespace: String = XMPPNamespace.client) -> XMLElement {
        stanzaError.element(namespace: namespace)
    }

    /// The error as a stanza error, with the pubsub-specific condition as its
    /// application-specific one (RFC 6120 §8.3.4, XEP-0060 §11).
    public var stanzaError: StanzaError {
        var error = stanza
        if let condition {
            var child = XMLElement(name: condition.rawValue, namespace: PubSubNamespace.errors)
            child[attribute: "feature"] = feature
            error.applicationCondition = child
        }
        return error
    }

    public var description: String {
        "\(stanza)" + (condition.map { " (\($0.rawValue)\(feature.map { " \($0)" } ?? ""))" } ?? "")
    }
}
