import ParleyXML

/// One HTTP request body of a BOSH client (XEP-0124 §6: a `<body/>` wrapper in the
/// `http://jabber.org/protocol/httpbind` namespace), parsed with the project's parser (no
/// DTD, no entities) and checked. A session creation request (§7.1) has no `sid`.
public struct BOSHRequest: Sendable, Equatable {
    /// What the request asks of the session, besides carrying its `rid`.
    public enum Content: Sendable, Equatable {
        /// Zero or more elements for the stream (an empty one is a poll, §8).
        case payload([XMLElement])
        /// XEP-0206 §5: `xmpp:restart='true'` restarts the stream (after SASL).
        case restart
        /// XEP-0124 §13: `type='terminate'` ends the session after its payload.
        case terminate([XMLElement])
    }

    /// §14.1: the request identifier, one more for each request.
    public var rid: UInt64
    /// The session identifier; nil on a session creation request.
    public var sid: String?
    public var content: Content
    /// Session creation attributes (§7.1, XEP-0206 §3): the served domain, the longest wait
    /// and the most requests to hold that the client wants, its BOSH version, its XMPP
    /// version (`xmpp:version`) and language (`xml:lang`).
    public var to: String?
    public var wait: Int?
    public var hold: Int?
    public var version: String?
    public var xmppVersion: String?
    public var language: String?

    public init(rid: UInt64, sid: String? = nil, content: Content = .payload([])) {
        self.rid = rid
        self.sid = sid
        self.content = content
    }

    /// §14.1: rids stay below 2^53 (they must survive JavaScript numbers).
    public static let maximumRID: UInt64 = 1 << 53

    /// The request in `bytes`, or the condition that refuses it (`bad-request`, §17.2).
    public static func decode(_ bytes: some Sequence<UInt8>, limits: XMLLimits) -> Result<BOSHRequest, BOSHCondition> {
        let body: XMLElement
        do throws(XMLStreamError) {
            body = try XMLStreamParser.parseDocument(bytes, limits: limits)
        } catch {
            return .failure(.badRequest)
        }
        guard body.name == "body", body.namespace == XMPPNamespace.httpBind,
            let ridText = body.attribute("rid"), let rid = UInt64(ridText), rid < maximumRID
        else { return .failure(.badRequest) }
        let children = body.elements.map(qualified)
        var request = BOSHRequest(rid: rid, sid: body.attribute("sid"))
        if body.attribute("type") == "terminate" {
            request.content = .terminate(children)
        } else if body.attribute("restart", namespace: XMPPNamespace.xbosh) == "true" {
            // XEP-0206 §5: the restart request's body is empty.
            guard children.isEmpty else { return .failure(.badRequest) }
            request.content = .restart
        } else {
            request.content = .payload(children)
        }
        request.to = body.attribute("to")
        request.wait = body.attribute("wait").flatMap { Int($0) }
        request.hold = body.attribute("hold").flatMap { Int($0) }
        request.version = body.attribute("ver")
        request.xmppVersion = body.attribute("version", namespace: XMPPNamespace.xbosh)
        request.language = body.attribute("lang", namespace: xmlNamespaceURI)
        return .success(request)
    }

    // COMPAT: XEP-0206 §2 notes that many clients send <message/>, <presence/> and <iq/>
    // unqualified inside <body/>, so they inherit the httpbind namespace: read them (and
    // their unqualified children) as `jabber:client`, as every connection manager does.
    static func qualified(_ element: XMLElement) -> XMLElement {
        var element = element
        if element.namespace == XMPPNamespace.httpBind { element.namespace = XMPPNamespace.client }
        element.children = element.children.map { child in
            if case .element(let inner) = child { return .element(qualified(inner)) }
            return child
        }
        return element
    }

    /// The stream header the negotiation reads from this session creation request
    /// (`StreamFraming.bosh`); `xmpp:version` missing reads as 1.0.
    // COMPAT: XEP-0206 §3 says clients SHOULD send xmpp:version; some do not, and mean 1.0.
    public var streamHeader: XMLStreamHeader {
        var attributes: [XMLAttribute] = []
        if let to { attributes.append(XMLAttribute("to", value: to)) }
        attributes.append(XMLAttribute("version", value: xmppVersion ?? "1.0"))
        if let language { attributes.append(XMLAttribute("lang", namespace: xmlNamespaceURI, value: language)) }
        return XMLStreamHeader(
            name: "body", namespace: XMPPNamespace.httpBind, attributes: attributes,
            namespaceDeclarations: [XMLNamespaceDeclaration(prefix: nil, uri: XMPPNamespace.httpBind)])
    }
}
