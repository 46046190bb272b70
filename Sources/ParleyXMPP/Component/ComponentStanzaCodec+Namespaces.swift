import ParleyCore
import ParleyXML

/// The stanza namespace across a component link. A stanza's own children that travel as
/// payloads (`<error/>`, a second `<body xml:lang='…'/>`) are in the stream's default
/// namespace: `jabber:component:accept` on a component stream (XEP-0114 §3),
/// `jabber:client` on a client's (RFC 6120 §4.8.3). The model keeps them in
/// `jabber:client`, the form every other adapter reads, so a component sees the same
/// payloads in process and across a socket, and a client never gets an `<error/>` in
/// the component namespace.
extension ComponentStanzaCodec {
    /// The traffic one stanza carries, its stanza-namespace payloads moved to
    /// `jabber:client`. Throws as `decodedTraffic(from:)` says.
    public func traffic(from stanza: XMLElement) throws(ComponentStanzaError) -> ComponentTraffic? {
        try decodedTraffic(from: stanza).map { rewritten($0, from: namespace, to: XMPPNamespace.client) }
    }

    /// The stanza for `traffic`, its `jabber:client` payloads moved to the component
    /// namespace; nil when an address has no JID (rooms belong to MUC).
    public func element(for traffic: ComponentTraffic) -> XMLElement? {
        encodedElement(for: rewritten(traffic, from: XMPPNamespace.client, to: namespace))
    }

    private func rewritten(_ traffic: ComponentTraffic, from: String, to: String) -> ComponentTraffic {
        switch traffic {
        case .message(var message):
            message.payloads = rewritten(message.payloads, from: from, to: to)
            return .message(message)
        case .presence(var presence, let sender, let recipient):
            presence.payloads = rewritten(presence.payloads, from: from, to: to)
            return .presence(presence, from: sender, to: recipient)
        case .query(var query):
            query.payloads = rewritten(query.payloads, from: from, to: to)
            return .query(query)
        case .subscription, .probe:
            return traffic
        }
    }

    private func rewritten(_ payloads: [ExtensionPayload], from: String, to: String) -> [ExtensionPayload] {
        guard payloads.contains(where: { ($0.native?.value as? XMLElement)?.namespace == from }) else { return payloads }
        return payloads.map { payload in
            guard let element = payload.native?.value as? XMLElement, element.namespace == from else { return payload }
            return stanzas.extensions.payload(for: Self.moved(element, from: from, to: to))
        }
    }

    /// `element` and the descendants that inherited its namespace, moved to `to`; a child
    /// in another namespace (a stanza error condition, a forwarded `jabber:client`
    /// message) and everything under it stays as it is.
    public static func moved(_ element: XMLElement, from: String, to: String) -> XMLElement {
        var element = element
        element.namespace = to
        element.children = element.children.map { child in
            guard case .element(let inner) = child, inner.namespace == from else { return child }
            return .element(moved(inner, from: from, to: to))
        }
        return element
    }
}
