/// Hard limits that bound what one peer can make the parser hold or do.
///
/// Every limit is checked while parsing; exceeding one is a
/// `XMLStreamError.Condition.limitExceeded` with the `Kind` that was crossed (the XMPP
/// layer maps it to the `policy-violation` stream error).
public struct XMLLimits: Hashable, Sendable {
    /// Which limit was exceeded.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// `maxStanzaBytes`: bytes of one top-level element (or of the stream header).
        case stanzaBytes
        /// `maxDepth`: element nesting depth.
        case depth
        /// `maxAttributes`: attributes plus namespace declarations on one element.
        case attributes
        /// `maxAttributeValueBytes`: bytes of one attribute value.
        case attributeValueBytes
        /// `maxTextBytes`: bytes of one run of text.
        case textBytes
        /// `maxNameBytes`: bytes of one name, prefix or namespace URI.
        case nameBytes
    }

    /// Maximum bytes of one stanza, counted on the wire from the end of the previous
    /// top-level element (or of the stream header) to the end of this one, so whitespace
    /// between stanzas counts towards the next. The stream header is bounded by it too, and
    /// in document mode the whole document is. Default 256 KiB (Prosody's c2s default).
    public var maxStanzaBytes: Int
    /// Maximum element nesting depth, the stream root (or document root) counting as 1.
    /// Default 32.
    public var maxDepth: Int
    /// Maximum attributes on one element, namespace declarations included. Default 64.
    public var maxAttributes: Int
    /// Maximum bytes of one attribute value after reference replacement. Default 64 KiB.
    public var maxAttributeValueBytes: Int
    /// Maximum bytes of one run of text (adjacent text and CDATA merged). Default: the
    /// stanza limit, 256 KiB.
    public var maxTextBytes: Int
    /// Maximum bytes of one local name, prefix or namespace URI. Default 1 KiB.
    public var maxNameBytes: Int

    /// Creates limits; each value is clamped to at least 1.
    public init(
        maxStanzaBytes: Int = 262_144, maxDepth: Int = 32, maxAttributes: Int = 64,
        maxAttributeValueBytes: Int = 65_536, maxTextBytes: Int = 262_144, maxNameBytes: Int = 1_024
    ) {
        self.maxStanzaBytes = max(1, maxStanzaBytes)
        self.maxDepth = max(1, maxDepth)
        self.maxAttributes = max(1, maxAttributes)
        self.maxAttributeValueBytes = max(1, maxAttributeValueBytes)
        self.maxTextBytes = max(1, maxTextBytes)
        self.maxNameBytes = max(1, maxNameBytes)
    }

    /// The defaults documented on each property.
    public static let `default` = XMLLimits()
}
