/// What the stream parser reports, in document order.
public enum XMLStreamEvent: Hashable, Sendable {
    /// The root's start tag arrived (reported as soon as its `>` is fed).
    case streamStart(XMLStreamHeader)
    /// One complete top-level child of the root (a stanza, or in document mode the root).
    case element(XMLElement)
    /// The root's end tag arrived.
    case streamEnd
}

/// A namespace declaration: `xmlns='uri'` (prefix `nil`) or `xmlns:prefix='uri'`.
public struct XMLNamespaceDeclaration: Hashable, Sendable {
    /// The declared prefix; `nil` for the default namespace.
    public var prefix: String?
    /// The namespace URI.
    public var uri: String

    /// Creates a declaration.
    public init(prefix: String?, uri: String) {
        self.prefix = prefix
        self.uri = uri
    }
}

/// The stream root's start tag, e.g. `<stream:stream xmlns='jabber:client' ...>`.
///
/// Unlike `XMLElement` it keeps the prefix and the namespace declarations: both shape how
/// the rest of the stream is written and read.
public struct XMLStreamHeader: Hashable, Sendable {
    /// The root's local name, e.g. `stream`.
    public var name: String
    /// The root's namespace URI, e.g. `http://etherx.jabber.org/streams`.
    public var namespace: String
    /// The prefix the root was written with, e.g. `stream`; `nil` if unprefixed.
    public var prefix: String?
    /// The root's attributes in document order (`to`, `from`, `version`, `xml:lang`, …).
    public var attributes: [XMLAttribute]
    /// The namespace declarations on the root, in document order.
    public var namespaceDeclarations: [XMLNamespaceDeclaration]

    /// Creates a header.
    public init(
        name: String, namespace: String, prefix: String? = nil, attributes: [XMLAttribute] = [],
        namespaceDeclarations: [XMLNamespaceDeclaration] = []
    ) {
        self.name = name
        self.namespace = namespace
        self.prefix = prefix
        self.attributes = attributes
        self.namespaceDeclarations = namespaceDeclarations
    }

    /// The default namespace declared on the root (`jabber:client`, …), the namespace that
    /// unprefixed stanzas inherit.
    public var defaultNamespace: String? {
        namespaceDeclarations.first { $0.prefix == nil }?.uri
    }

    /// The value of an attribute with this local name and namespace (`nil`: no namespace).
    public func attribute(_ name: String, namespace: String? = nil) -> String? {
        attributes.first { $0.name == name && $0.namespace == namespace }?.value
    }
}
