import ParleyXML

/// A stream-level error (RFC 6120 §4.9): the condition is sent inside
/// `<stream:error/>`, then the stream is closed.
public struct StreamError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The defined conditions (RFC 6120 §4.9.3).
    public enum Condition: String, Hashable, Sendable, CaseIterable {
        case badFormat = "bad-format"
        case badNamespacePrefix = "bad-namespace-prefix"
        case conflict
        case connectionTimeout = "connection-timeout"
        case hostGone = "host-gone"
        case hostUnknown = "host-unknown"
        case improperAddressing = "improper-addressing"
        case internalServerError = "internal-server-error"
        case invalidFrom = "invalid-from"
        case invalidNamespace = "invalid-namespace"
        case invalidXML = "invalid-xml"
        case notAuthorized = "not-authorized"
        case notWellFormed = "not-well-formed"
        case policyViolation = "policy-violation"
        case remoteConnectionFailed = "remote-connection-failed"
        case reset
        case resourceConstraint = "resource-constraint"
        case restrictedXML = "restricted-xml"
        case seeOtherHost = "see-other-host"
        case systemShutdown = "system-shutdown"
        case undefinedCondition = "undefined-condition"
        case unsupportedEncoding = "unsupported-encoding"
        case unsupportedFeature = "unsupported-feature"
        case unsupportedStanzaType = "unsupported-stanza-type"
        case unsupportedVersion = "unsupported-version"
    }

    public var condition: Condition
    /// Human-readable text for the peer's log (`<text/>`), optional.
    public var text: String?
    /// RFC 6120 §4.9.4: an application-specific condition after the text (XEP-0198's
    /// `<handled-count-too-high/>`).
    public var applicationCondition: XMLElement?

    public init(_ condition: Condition, text: String? = nil) {
        self.condition = condition
        self.text = text
    }

    /// The stream error for a parser failure (ParleyXML names the RFC 6120 condition),
    /// with a text that says what is wrong in words.
    public init(_ error: XMLStreamError) {
        self.init(Condition(rawValue: error.streamErrorCondition) ?? .notWellFormed, text: error.explanation)
    }

    /// `<stream:error>` with the condition and text, to write inside the stream.
    public var element: XMLElement {
        var error = XMLElement(name: "error", namespace: XMPPNamespace.streams)
        error.append(XMLElement(name: condition.rawValue, namespace: XMPPNamespace.streamErrors))
        if let text {
            error.append(
                XMLElement(
                    name: "text", namespace: XMPPNamespace.streamErrors,
                    attributes: [XMLAttribute("lang", namespace: xmlNamespaceURI, value: "en")], children: [.text(text)]))
        }
        if let applicationCondition { error.append(applicationCondition) }
        return error
    }

    public var description: String { text.map { "\(condition.rawValue): \($0)" } ?? condition.rawValue }
}
