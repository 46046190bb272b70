import ParleyCred
import ParleyXML

/// The two domains a server-to-server stream carries stanzas between: the remote server's
/// domain (the sender's) and one of ours (the recipient's). RFC 6120 §13.7 and XEP-0220
/// §2.1: each pair is authenticated on its own.
public struct S2SDomainPair: Hashable, Sendable, CustomStringConvertible {
    public let remote: String
    public let local: String

    public init(remote: String, local: String) {
        self.remote = remote
        self.local = local
    }

    public var description: String { "\(remote) → \(local)" }
}

/// A dialback verification the receiving server asks of the authoritative server
/// (XEP-0220 §2.1.3): was `key` made for the stream `streamID` from `originating` to
/// `receiving`?
public struct DialbackVerification: Hashable, Sendable {
    public let originating: String
    public let receiving: String
    public let streamID: String
    public let key: String

    public init(originating: String, receiving: String, streamID: String, key: String) {
        self.originating = originating
        self.receiving = receiving
        self.streamID = streamID
        self.key = key
    }
}

/// The outcome of a dialback check (XEP-0220 §2.4): valid, invalid, or an error (the
/// authoritative server could not be reached, XEP-0220 §2.5 dialback errors).
public enum DialbackOutcome: Sendable, Equatable {
    case valid
    case invalid
    case error(StanzaError)
}

/// The elements a server-to-server stream exchanges besides stanzas.
enum S2SElements {
    static let starttls = XMLElement(name: "starttls", namespace: XMPPNamespace.tls)
    static let proceed = XMLElement(name: "proceed", namespace: XMPPNamespace.tls)
    static let saslSuccess = XMLElement(name: "success", namespace: XMPPNamespace.sasl)

    /// `<failure><condition/></failure>` (RFC 6120 §6.5).
    static func saslFailure(_ condition: String) -> XMLElement {
        XMLElement(name: "failure", namespace: XMPPNamespace.sasl, children: [.element(XMLElement(name: condition, namespace: XMPPNamespace.sasl))])
    }

    /// `<auth mechanism='EXTERNAL'>` with the authorization identity (XEP-0178 §3, step 7).
    static func externalAuth(authzid: String) -> XMLElement {
        XMLElement(
            name: "auth", namespace: XMPPNamespace.sasl, attributes: [XMLAttribute("mechanism", value: "EXTERNAL")],
            children: [.text(SASLEncoding.base64(Array(authzid.utf8)))])
    }

    /// The features a receiving server offers (RFC 6120 §4.3.2).
    static func features(starttls: Bool, tlsRequired: Bool, external: Bool, dialback: Bool) -> XMLElement {
        var features = XMLElement(name: "features", namespace: XMPPNamespace.streams)
        if starttls {
            var tls = S2SElements.starttls
            if tlsRequired { tls.children = [.element(XMLElement(name: "required", namespace: XMPPNamespace.tls))] }
            features.children.append(.element(tls))
        }
        if external {
            let mechanism = XMLElement(name: "mechanism", namespace: XMPPNamespace.sasl, children: [.text("EXTERNAL")])
            features.children.append(
                .element(XMLElement(name: "mechanisms", namespace: XMPPNamespace.sasl, children: [.element(mechanism)])))
        }
        if dialback {
            // XEP-0220 §2.5: we understand dialback errors.
            let errors = XMLElement(name: "errors", namespace: XMPPNamespace.dialbackFeature)
            features.children.append(
                .element(XMLElement(name: "dialback", namespace: XMPPNamespace.dialbackFeature, children: [.element(errors)])))
        }
        return features
    }

    /// `<db:result/>` or `<db:verify/>` (XEP-0220 §2.1, §2.4): a request with a key as its
    /// text, or an answer with a type.
    static func dialback(
        _ name: String, from: String, to: String, id: String? = nil, key: String? = nil, outcome: DialbackOutcome? = nil
    ) -> XMLElement {
        var attributes = [XMLAttribute("from", value: from), XMLAttribute("to", value: to)]
        if let id { attributes.append(XMLAttribute("id", value: id)) }
        var children: [XMLNode] = key.map { [.text($0)] } ?? []
        switch outcome {
        case .valid?: attributes.append(XMLAttribute("type", value: "valid"))
        case .invalid?: attributes.append(XMLAttribute("type", value: "invalid"))
        case .error(let error)?:
            attributes.append(XMLAttribute("type", value: "error"))
            // XEP-0220 §2.5: the error is a stanza error inside the dialback element.
            children = [.element(error.element(namespace: XMPPNamespace.server))]
        case nil: break
        }
        return XMLElement(name: name, namespace: XMPPNamespace.dialback, attributes: attributes, children: children)
    }

    /// The outcome a dialback answer's `type` states; nil for a request (no type).
    static func outcome(of element: XMLElement) -> DialbackOutcome? {
        switch element[attribute: "type"] {
        case "valid": .valid
        case "invalid": .invalid
        case "error": .error(StanzaError(from: element) ?? StanzaError(.remoteServerNotFound))
        default: nil
        }
    }

    /// A bare domain from a dialback or header attribute; nil when it is not one.
    static func domain(_ text: String?) -> String? {
        guard let text, let jid = JID(text), jid.localpart == nil, jid.resource == nil else { return nil }
        return jid.domain
    }

    /// The header of a server stream (RFC 6120 §4.7), declaring the dialback prefix.
    static func header(from: String?, to: String?, id: String?) -> [UInt8] {
        var attributes: [XMLAttribute] = []
        if let from { attributes.append(XMLAttribute("from", value: from)) }
        if let to { attributes.append(XMLAttribute("to", value: to)) }
        if let id { attributes.append(XMLAttribute("id", value: id)) }
        attributes.append(XMLAttribute("version", value: "1.0"))
        return XMPPStreamHeader.bytes(
            contentNamespace: XMPPNamespace.server, attributes: attributes,
            declarations: [XMLNamespaceDeclaration(prefix: "db", uri: XMPPNamespace.dialback)])
    }

    /// Serialized in the stream's content namespace; stream-level and dialback elements
    /// with the `stream:` and `db:` prefixes the header declares.
    // COMPAT: ejabberd (p1_xmpp) matches `stream:features`, `stream:error`, `db:result`
    // and `db:verify` by their prefixed names and ignores the same elements written with
    // a default namespace, which XML namespaces allow.
    static func bytes(_ elements: XMLElement...) -> [UInt8] {
        var bytes: [UInt8] = []
        for element in elements {
            switch element.namespace {
            case XMPPNamespace.streams: bytes += prefixed(element, "stream")
            case XMPPNamespace.dialback: bytes += prefixed(element, "db")
            default: element.serialize(into: &bytes, inheritedNamespace: XMPPNamespace.server)
            }
        }
        return bytes
    }

    /// `element` as `<prefix:name …>…</prefix:name>` inside a stream whose default
    /// namespace is `jabber:server`; its children keep their own namespaces.
    static func prefixed(_ element: XMLElement, _ prefix: String) -> [UInt8] {
        var unprefixed = element
        unprefixed.namespace = XMPPNamespace.server
        var bytes = unprefixed.serialized(inheritedNamespace: XMPPNamespace.server)
        bytes.insert(contentsOf: Array("\(prefix):".utf8), at: 1)
        let closing = Array("</\(element.name)>".utf8)
        if bytes.count >= closing.count, Array(bytes.suffix(closing.count)) == closing {
            bytes.replaceSubrange((bytes.count - closing.count)..., with: Array("</\(prefix):\(element.name)>".utf8))
        }
        return bytes
    }
}
