/// The namespace URI bound to the `xml:` prefix (`xml:lang`, `xml:space`); never declared.
public let xmlNamespaceURI = "http://www.w3.org/XML/1998/namespace"

/// An XML element tree as a value: the unit a stanza travels in.
///
/// Names are local names and namespaces are resolved URIs: prefixes are a serialization
/// concern, so `<a:body xmlns:a='jabber:client'/>` and `<body xmlns='jabber:client'/>`
/// parse to equal values. The empty string is "no namespace".
public struct XMLElement: Hashable, Sendable {
    /// The local name (no prefix).
    public var name: String
    /// The namespace URI; `""` means the element is in no namespace.
    public var namespace: String
    /// The attributes in document order (namespace declarations are not attributes).
    public var attributes: [XMLAttribute]
    /// Child elements and text, in document order.
    public var children: [XMLNode]

    /// Creates an element; `namespace` is a URI, `""` for none.
    @inlinable
    public init(
        name: String, namespace: String = "", attributes: [XMLAttribute] = [],
        children: [XMLNode] = []
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
    }

    /// The value of the attribute with this local name and namespace (`nil`: no namespace).
    @inlinable
    public func attribute(_ name: String, namespace: String? = nil) -> String? {
        for attribute in attributes where attribute.name == name && attribute.namespace == namespace {
            return attribute.value
        }
        return nil
    }

    /// Sets (or, with `nil`, removes) the attribute with this local name and namespace,
    /// keeping the position of an existing one.
    public mutating func setAttribute(_ name: String, namespace: String? = nil, to value: String?) {
        if let index = attributes.firstIndex(where: { $0.name == name && $0.namespace == namespace }) {
            if let value {
                attributes[index].value = value
            } else {
                attributes.remove(at: index)
            }
        } else if let value {
            attributes.append(XMLAttribute(name, namespace: namespace, value: value))
        }
    }

    /// The unqualified attribute `name` (no namespace), readable and writable.
    public subscript(attribute name: String) -> String? {
        get { attribute(name) }
        set { setAttribute(name, to: newValue) }
    }

    /// The first child element with this local name, in `namespace` if given
    /// (`nil`: any namespace).
    @inlinable
    public func firstChild(named name: String, namespace: String? = nil) -> XMLElement? {
        for child in children {
            if case .element(let element) = child, element.name == name,
                namespace == nil || element.namespace == namespace
            {
                return element
            }
        }
        return nil
    }

    /// The child elements, in order (text children skipped).
    public var elements: [XMLElement] {
        children.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    /// The direct text children concatenated (text inside child elements is not included).
    public var text: String {
        var result = ""
        for child in children {
            if case .text(let text) = child { result += text }
        }
        return result
    }

    /// Appends a child element.
    public mutating func append(_ child: XMLElement) {
        children.append(.element(child))
    }

    /// Appends text, merging it with a text child that ends the list.
    public mutating func append(text: String) {
        guard !text.isEmpty else { return }
        if case .text(var last)? = children.last {
            children.removeLast()
            last += text
            children.append(.text(last))
        } else {
            children.append(.text(text))
        }
    }
}

/// One attribute of an `XMLElement`: a local name, a namespace URI or `nil`, and a value.
public struct XMLAttribute: Hashable, Sendable {
    /// The local name (no prefix).
    public var name: String
    /// The namespace URI, `nil` for an unprefixed attribute (`xml:lang` has `xmlNamespaceURI`).
    public var namespace: String?
    /// The value, with character and entity references already replaced.
    public var value: String

    /// Creates an attribute.
    @inlinable
    public init(_ name: String, namespace: String? = nil, value: String) {
        self.name = name
        self.namespace = namespace
        self.value = value
    }
}

/// A child of an `XMLElement`: an element or a run of text.
public enum XMLNode: Hashable, Sendable {
    /// A child element.
    case element(XMLElement)
    /// Character data (CDATA sections arrive as text too).
    case text(String)
}

extension XMLElement: CustomStringConvertible {
    /// The serialized element, for debugging.
    public var description: String { xmlString }
}
