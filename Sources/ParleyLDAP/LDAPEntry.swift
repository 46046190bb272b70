/// One entry a search returned: its DN and the attributes asked for, by lower-cased name.
public struct LDAPEntry: Sendable, Hashable {
    /// The entry's distinguished name, as the server wrote it.
    public var dn: String
    /// Attribute values by lower-cased attribute name; values are UTF-8 strings.
    public var attributes: [String: [String]]

    public init(dn: String, attributes: [String: [String]] = [:]) {
        self.dn = dn
        self.attributes = attributes
    }

    /// The first value of `attribute` (any case), if any.
    public func first(_ attribute: String) -> String? { attributes[attribute.lowercased()]?.first }
}

/// How deep a search goes (RFC 4511 §4.5.1.2).
public enum LDAPScope: Sendable, Hashable {
    /// The base entry only.
    case base
    /// The base's immediate children.
    case oneLevel
    /// The base and everything under it.
    case subtree
}
