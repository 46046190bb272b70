/// The namespaces of XEP-0060 (§16.1 of the XEP lists them) and the forms it defines.
public enum PubSubNamespace {
    public static let pubsub = "http://jabber.org/protocol/pubsub"
    public static let owner = "http://jabber.org/protocol/pubsub#owner"
    public static let event = "http://jabber.org/protocol/pubsub#event"
    public static let errors = "http://jabber.org/protocol/pubsub#errors"
    /// §16.4.4: the node configuration form's FORM_TYPE.
    public static let nodeConfig = "http://jabber.org/protocol/pubsub#node_config"
    /// §16.4.3: the node meta-data form's FORM_TYPE (disco#info of a node, §5.4).
    public static let metaData = "http://jabber.org/protocol/pubsub#meta-data"
    /// §16.4.2: the subscription options form's FORM_TYPE.
    public static let subscribeOptions = "http://jabber.org/protocol/pubsub#subscribe_options"
    /// §16.4.1: the form an owner answers to approve a pending subscription (§8.6).
    public static let subscribeAuthorization = "http://jabber.org/protocol/pubsub#subscribe_authorization"
    /// §7.1.5: the publish options (preconditions) form's FORM_TYPE.
    public static let publishOptions = "http://jabber.org/protocol/pubsub#publish-options"
    /// XEP-0059 result set management.
    public static let rsm = "http://jabber.org/protocol/rsm"

    /// A `http://jabber.org/protocol/pubsub#<feature>` disco feature (§10).
    public static func feature(_ name: String) -> String { "\(pubsub)#\(name)" }
}
