import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0191's elements: `<blocklist/>`, `<block/>` and `<unblock/>` with their `<item jid/>`s.
enum BlockingElements {
    /// Most items one request may name.
    static let maximumItems = BlockList.maximumCount

    /// §5.1: the list.
    static func blocklist(_ list: BlockList) -> XMLElement {
        element("blocklist", list.addresses.sorted())
    }

    /// §5.2–§5.5: the push for a change.
    static func push(_ change: BlockListChange) -> XMLElement {
        switch change {
        case .blocked(let addresses): element("block", addresses)
        case .unblocked(let addresses): element("unblock", addresses)
        case .unblockedAll: element("unblock", [])
        }
    }

    private static func element(_ name: String, _ addresses: [BlockedAddress]) -> XMLElement {
        var element = XMLElement(name: name, namespace: XMPPNamespace.blocking)
        for address in addresses {
            element.append(XMLElement(name: "item", namespace: XMPPNamespace.blocking, attributes: [XMLAttribute("jid", value: address.description)]))
        }
        return element
    }

    /// The addresses of a `<block/>` or `<unblock/>`: each item's JID (jid-malformed when
    /// one is not a JID, §5.2 bad-request when an item has none).
    static func addresses(in request: XMLElement) throws(StanzaError) -> [BlockedAddress] {
        let items = request.elements.filter { $0.name == "item" && $0.namespace == XMPPNamespace.blocking }
        guard items.count <= maximumItems else { throw StanzaError(.notAcceptable, text: "at most \(maximumItems) items at once") }
        var addresses: [BlockedAddress] = []
        for item in items {
            guard let text = item[attribute: "jid"] else { throw StanzaError(.badRequest, text: "an item needs a jid") }
            guard let jid = JID(text) else { throw StanzaError(.jidMalformed, text: "'\(text.prefix(100))' is not a JID") }
            addresses.append(BlockedAddress(user: jid.userID, resource: jid.resource))
        }
        return addresses
    }
}
