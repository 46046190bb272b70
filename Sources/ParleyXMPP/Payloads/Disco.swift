import ParleyXML

/// XEP-0030 §3: what an entity is and what it supports,
/// `<query xmlns='http://jabber.org/protocol/disco#info' node='…'>`, with XEP-0128
/// extension forms.
public struct DiscoInfo: Hashable, Sendable {
    /// XEP-0030 §3.1: one `<identity category='…' type='…' name='…'/>`.
    public struct Identity: Hashable, Sendable {
        public var category: String
        public var type: String
        public var name: String?
        /// `xml:lang`, when the entity names itself in several languages.
        public var language: String?

        public init(category: String, type: String, name: String? = nil, language: String? = nil) {
            self.category = category
            self.type = type
            self.name = name
            self.language = language
        }
    }

    /// The node queried, nil for the entity itself (XEP-0030 §3.2).
    public var node: String?
    public var identities: [Identity]
    /// The `var` of each `<feature/>`.
    public var features: [String]
    /// XEP-0128 service discovery extensions: data forms of type `result`.
    public var extensions: [DataForm]

    public init(node: String? = nil, identities: [Identity] = [], features: [String] = [], extensions: [DataForm] = [])
    {
        self.node = node
        self.identities = identities
        self.features = features
        self.extensions = extensions
    }

    /// Whether `feature` is among the features.
    public func supports(_ feature: String) -> Bool { features.contains(feature) }

    /// The `<query/>` of a disco#info result.
    public var element: XMLElement {
        var query = XMLElement(name: "query", namespace: XMPPNamespace.discoInfo)
        query[attribute: "node"] = node
        for identity in identities {
            var element = XMLElement(name: "identity", namespace: XMPPNamespace.discoInfo)
            element[attribute: "category"] = identity.category
            element[attribute: "type"] = identity.type
            element[attribute: "name"] = identity.name
            element.setAttribute("lang", namespace: xmlNamespaceURI, to: identity.language)
            query.append(element)
        }
        for feature in features {
            query.append(
                XMLElement(
                    name: "feature", namespace: XMPPNamespace.discoInfo,
                    attributes: [XMLAttribute("var", value: feature)]))
        }
        for form in extensions { query.append(form.element) }
        return query
    }

    /// Reads a disco#info `<query/>` (a request: node only; a result: the lot).
    /// XEP-0030 §3.1: an identity without `category` or `type`, or a feature without
    /// `var`, is a bad request, as is a malformed extension form.
    public init(element: XMLElement) throws(StanzaError) {
        guard element.name == "query", element.namespace == XMPPNamespace.discoInfo else {
            throw StanzaError(.badRequest, text: "not a disco#info query")
        }
        self.init(node: element[attribute: "node"])
        for child in element.elements {
            switch (child.namespace, child.name) {
            case (XMPPNamespace.discoInfo, "identity"):
                guard let category = child[attribute: "category"], let type = child[attribute: "type"] else {
                    throw StanzaError(.badRequest, text: "disco identity without category or type")
                }
                identities.append(
                    Identity(
                        category: category, type: type, name: child[attribute: "name"],
                        language: child.attribute("lang", namespace: xmlNamespaceURI)))
            case (XMPPNamespace.discoInfo, "feature"):
                guard let variable = child[attribute: "var"] else {
                    throw StanzaError(.badRequest, text: "disco feature without var")
                }
                features.append(variable)
            case (XMPPNamespace.dataForms, "x"):
                do {
                    extensions.append(try DataForm(element: child))
                } catch {
                    throw error.stanzaError
                }
            default:
                continue
            }
        }
    }

    /// An empty disco#info query, to ask an entity (or one of its nodes).
    public static func request(node: String? = nil) -> XMLElement {
        DiscoInfo(node: node).element
    }
}

/// XEP-0030 §4: the items an entity offers,
/// `<query xmlns='http://jabber.org/protocol/disco#items' node='…'>`.
public struct DiscoItems: Hashable, Sendable {
    /// XEP-0030 §4.1: one `<item jid='…' node='…' name='…'/>`.
    public struct Item: Hashable, Sendable {
        /// REQUIRED (XEP-0030 §4.1).
        public var jid: JID
        public var node: String?
        public var name: String?

        public init(jid: JID, node: String? = nil, name: String? = nil) {
            self.jid = jid
            self.node = node
            self.name = name
        }
    }

    /// The node queried, nil for the entity itself.
    public var node: String?
    public var items: [Item]

    public init(node: String? = nil, items: [Item] = []) {
        self.node = node
        self.items = items
    }

    /// The `<query/>` of a disco#items result.
    public var element: XMLElement {
        var query = XMLElement(name: "query", namespace: XMPPNamespace.discoItems)
        query[attribute: "node"] = node
        for item in items {
            var element = XMLElement(name: "item", namespace: XMPPNamespace.discoItems)
            element[attribute: "jid"] = item.jid.description
            element[attribute: "node"] = item.node
            element[attribute: "name"] = item.name
            query.append(element)
        }
        return query
    }

    /// Reads a disco#items `<query/>`. XEP-0030 §4.1: an item without a `jid` is a bad
    /// request; one whose `jid` is not a JID is jid-malformed.
    public init(element: XMLElement) throws(StanzaError) {
        guard element.name == "query", element.namespace == XMPPNamespace.discoItems else {
            throw StanzaError(.badRequest, text: "not a disco#items query")
        }
        self.init(node: element[attribute: "node"])
        for child in element.elements where child.name == "item" && child.namespace == XMPPNamespace.discoItems {
            guard let text = child[attribute: "jid"] else {
                throw StanzaError(.badRequest, text: "disco item without jid")
            }
            guard let jid = JID(text) else { throw StanzaError(.jidMalformed, text: "disco item jid '\(text)'") }
            items.append(Item(jid: jid, node: child[attribute: "node"], name: child[attribute: "name"]))
        }
    }

    /// An empty disco#items query, to ask an entity (or one of its nodes).
    public static func request(node: String? = nil) -> XMLElement {
        DiscoItems(node: node).element
    }
}
