import ParleyCore
import ParleyXML
import ParleyXMPP

/// What the server itself answers to remote servers and their users (the IQs to our bare
/// domain): XEP-0199 ping (§4.3, server to server), XEP-0092 version, and XEP-0030
/// disco#info (a server/im identity) and disco#items (the attached components). Anything
/// else is service-unavailable (RFC 6120 §8.4).
enum S2SServerQueries {
    static let features = [XMPPNamespace.discoInfo, XMPPNamespace.discoItems, XMPPNamespace.ping, XMPPNamespace.version]

    /// The reply to `iq`, a request addressed to `domain` itself.
    static func reply(to iq: XMLElement, domain: String, components: [String]) -> XMLElement {
        let type = iq[attribute: "type"]
        guard type == "get", iq.elements.count == 1, let child = iq.elements.first else {
            return StanzaError(.serviceUnavailable).reply(to: iq, includingOriginal: false)
        }
        let payload: XMLElement?
        switch (child.namespace, child.name) {
        case (XMPPNamespace.ping, "ping"):
            payload = nil
        case (XMPPNamespace.version, "query"):
            payload = SoftwareVersion.parley.element
        case (XMPPNamespace.discoInfo, "query") where child[attribute: "node"] == nil:
            payload = DiscoInfo(identities: [.init(category: "server", type: "im", name: "Parley")], features: features).element
        case (XMPPNamespace.discoItems, "query") where child[attribute: "node"] == nil:
            payload = DiscoItems(items: components.map { DiscoItems.Item(jid: JID(localpart: nil, domain: $0)) }).element
        default:
            return StanzaError(.serviceUnavailable).reply(to: iq, includingOriginal: false)
        }
        var result = XMLElement(
            name: "iq", namespace: XMPPNamespace.server,
            attributes: [
                XMLAttribute("from", value: domain), XMLAttribute("to", value: iq[attribute: "from"] ?? ""),
                XMLAttribute("type", value: "result"), XMLAttribute("id", value: iq[attribute: "id"] ?? ""),
            ])
        if let payload { result.children = [.element(payload)] }
        return result
    }

    /// Whether `iq` is a request to the bare `domain`.
    static func isAddressedToServer(_ iq: XMLElement, domain: String) -> Bool {
        guard iq.name == "iq", let to = iq[attribute: "to"].flatMap(JID.init) else { return false }
        return to.localpart == nil && to.resource == nil && to.domain == domain
    }
}
