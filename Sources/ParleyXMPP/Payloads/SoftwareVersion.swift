import ParleyXML

/// XEP-0092 software version: `<query xmlns='jabber:iq:version'>` with `<name/>`,
/// `<version/>` and an optional `<os/>`.
public struct SoftwareVersion: Hashable, Sendable {
    /// XEP-0092 §2: REQUIRED in a result.
    public var name: String
    /// XEP-0092 §2: REQUIRED in a result.
    public var version: String
    /// XEP-0092 §2: OPTIONAL (and often left out on purpose, §4).
    public var os: String?

    /// What Parley's servers answer for themselves (c2s and s2s).
    public static let parley = SoftwareVersion(name: "Parley", version: "0.3.0")

    public init(name: String, version: String, os: String? = nil) {
        self.name = name
        self.version = version
        self.os = os
    }

    /// The `<query/>` of a version result.
    public var element: XMLElement {
        var query = XMLElement(name: "query", namespace: XMPPNamespace.version)
        query.append(text: name, in: "name", namespace: XMPPNamespace.version)
        query.append(text: version, in: "version", namespace: XMPPNamespace.version)
        if let os { query.append(text: os, in: "os", namespace: XMPPNamespace.version) }
        return query
    }

    /// Reads a version result; a missing `<name/>` or `<version/>` is a bad request
    /// (XEP-0092 §2).
    public init(element: XMLElement) throws(StanzaError) {
        guard element.name == "query", element.namespace == XMPPNamespace.version else {
            throw StanzaError(.badRequest, text: "not a jabber:iq:version query")
        }
        guard let name = element.firstChild(named: "name", namespace: XMPPNamespace.version)?.text,
            let version = element.firstChild(named: "version", namespace: XMPPNamespace.version)?.text
        else { throw StanzaError(.badRequest, text: "software version without name or version") }
        self.init(
            name: name, version: version, os: element.firstChild(named: "os", namespace: XMPPNamespace.version)?.text)
    }

    /// The empty query that asks an entity for its version (XEP-0092 §2, an IQ get).
    public static var request: XMLElement { XMLElement(name: "query", namespace: XMPPNamespace.version) }

    /// Whether `query` is a request (no children) rather than a result.
    public static func isRequest(_ query: XMLElement) -> Bool { query.elements.isEmpty }
}
