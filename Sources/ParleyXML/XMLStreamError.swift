/// Why the XML parser refused its input. The stream is dead after one: every later
/// `feed` throws the same error until `reset()`.
public struct XMLStreamError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure, the part to act on (see `streamErrorCondition`).
    public enum Condition: Hashable, Sendable {
        /// Not well-formed XML: syntax, mismatched or unclosed tags, unbound prefixes,
        /// duplicate attributes, characters not allowed in XML, content after the root.
        case notWellFormed
        /// Bytes that are not valid UTF-8.
        case invalidUTF8
        /// Another encoding than UTF-8: declared (`encoding='ISO-8859-1'`), or a UTF-16 or
        /// UTF-32 byte-order mark or byte pattern at the start.
        case unsupportedEncoding
        /// A construct XMPP forbids (RFC 6120 §11.1); refused, never expanded.
        case restrictedXML(RestrictedXML)
        /// A hard limit from `XMLLimits` was exceeded.
        case limitExceeded(XMLLimits.Kind)
    }

    /// The XML constructs refused as restricted.
    public enum RestrictedXML: String, Hashable, Sendable {
        /// A document type declaration (`<!DOCTYPE`), internal subset or external.
        case dtd
        /// An entity, notation, element or attribute-list declaration.
        case entityDeclaration
        /// A reference to an entity other than the five predefined ones.
        case entityReference
        /// A processing instruction (the XML declaration itself is allowed).
        case processingInstruction
        /// A comment.
        case comment
    }

    /// The kind of failure.
    public var condition: Condition
    /// A human-readable detail (libxml2's message where it found the fault).
    public var message: String
    /// libxml2's error code (`xmlParserErrors`) when libxml2 found the fault, else `nil`.
    public var libxml2Code: Int?

    /// Creates an error.
    public init(_ condition: Condition, message: String = "", libxml2Code: Int? = nil) {
        self.condition = condition
        self.message = message
        self.libxml2Code = libxml2Code
    }

    /// The RFC 6120 §4.9.3 stream error condition this maps to, e.g. `not-well-formed`.
    public var streamErrorCondition: String {
        switch condition {
        case .notWellFormed, .invalidUTF8: "not-well-formed"
        case .unsupportedEncoding: "unsupported-encoding"
        case .restrictedXML: "restricted-xml"
        case .limitExceeded: "policy-violation"
        }
    }

    public var description: String {
        let detail = message.isEmpty ? "" : ": \(message)"
        return "XMLStreamError(\(condition))\(detail)"
    }
}
