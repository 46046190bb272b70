import ParleyXML
import ParleyXMPP

/// The `<event xmlns='…pubsub#event'>` payloads of notifications (XEP-0060 §4.3, §7.1.2,
/// §7.2.2, §8.2.5, §8.4.2, §8.5.2) and the result elements they share with IQ answers.
enum PubSubEvents {
    static func event(_ child: XMLElement) -> XMLElement {
        XMLElement(name: "event", namespace: PubSubNamespace.event, children: [.element(child)])
    }

    /// §7.1.2: one published item (with its payload when the node delivers payloads).
    static func published(_ item: PublishedItem, node: PubSubNode) -> XMLElement {
        var items = XMLElement(name: "items", namespace: PubSubNamespace.event, attributes: [XMLAttribute("node", value: node.id)])
        items.append(item.element(namespace: PubSubNamespace.event, withPayload: node.configuration.deliverPayloads,
            publisherAttribute: true))
        return event(items)
    }

    /// §7.2.2: retracted items.
    static func retracted(_ ids: [String], node: String) -> XMLElement {
        var items = XMLElement(name: "items", namespace: PubSubNamespace.event, attributes: [XMLAttribute("node", value: node)])
        for id in ids {
            items.append(XMLElement(name: "retract", namespace: PubSubNamespace.event, attributes: [XMLAttribute("id", value: id)]))
        }
        return event(items)
    }

    /// §8.4.2: the node was deleted (with the redirect, if the owner gave one).
    static func deleted(_ node: String, redirect: String?) -> XMLElement {
        var delete = XMLElement(name: "delete", namespace: PubSubNamespace.event, attributes: [XMLAttribute("node", value: node)])
        if let redirect {
            delete.append(XMLElement(name: "redirect", namespace: PubSubNamespace.event, attributes: [XMLAttribute("uri", value: redirect)]))
        }
        return event(delete)
    }

    /// §8.5.2: the node was purged.
    static func purged(_ node: String) -> XMLElement {
        event(XMLElement(name: "purge", namespace: PubSubNamespace.event, attributes: [XMLAttribute("node", value: node)]))
    }

    /// §8.2.5.3: the configuration changed (with the form when the node delivers payloads).
    static func configured(_ node: PubSubNode) -> XMLElement {
        var configuration = XMLElement(
            name: "configuration", namespace: PubSubNamespace.event, attributes: [XMLAttribute("node", value: node.id)])
        if node.configuration.deliverPayloads { configuration.append(node.configuration.form(type: .result).element) }
        return event(configuration)
    }

    /// §8.6, §8.8.4: a subscription's state as the subscriber is told it.
    static func subscription(_ subscription: NodeSubscription?, jid: JID, node: String) -> XMLElement {
        event(subscriptionElement(subscription, jid: jid, node: node, namespace: PubSubNamespace.event))
    }

    /// `<subscription node jid subid subscription/>` (§6.1.2, §5.6, §8.8.1); state `none` when nil.
    static func subscriptionElement(_ subscription: NodeSubscription?, jid: JID, node: String?, namespace: String)
        -> XMLElement
    {
        var element = XMLElement(name: "subscription", namespace: namespace)
        element[attribute: "node"] = node
        element[attribute: "jid"] = jid.description
        element[attribute: "subid"] = subscription?.subid
        element[attribute: "subscription"] = subscription?.state.rawValue ?? "none"
        return element
    }

    /// `<pubsub xmlns=namespace>children</pubsub>`.
    static func pubsub(_ namespace: String, _ children: [XMLElement]) -> XMLElement {
        XMLElement(name: "pubsub", namespace: namespace, children: children.map { .element($0) })
    }

    /// `<pubsub xmlns='…pubsub'>children</pubsub>`.
    static func pubsub(_ children: [XMLElement]) -> XMLElement { pubsub(PubSubNamespace.pubsub, children) }
}
