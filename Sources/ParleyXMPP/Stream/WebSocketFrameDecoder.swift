import ParleyXML

/// RFC 7395's framing, inbound: one WebSocket text message is one whole element (§3.3.3),
/// parsed alone with the project's parser (no DTD, no entities). `<open/>` (§3.4) becomes
/// the stream header the negotiation checks (`StreamHeaderCheck`, framing `.webSocket`),
/// `<close/>` (§3.6) the stream's end, anything else a stanza or nonza. A message with two
/// elements, half of one, or bytes that are not XML is a stream error (§3.5, RFC 6120
/// §4.9.3.13 `not-well-formed`); one over the stanza limit is `policy-violation`.
public struct WebSocketFrameDecoder: Sendable {
    /// The bounds each message is parsed with (`maxStanzaBytes` bounds the message).
    public let limits: XMLLimits

    public init(limits: XMLLimits = .default) {
        self.limits = limits
    }

    /// The stream event one text message carries, or the stream error it is; parsed with
    /// `parser` when given (a document-mode parser with `limits`, reused message after
    /// message), else with a parser made for it.
    public func decode(_ message: some Sequence<UInt8>, parser: XMLStreamParser? = nil) -> Result<XMLStreamEvent, StreamError> {
        let element: XMLElement
        do throws(XMLStreamError) {
            if let parser {
                element = try parser.parseDocument(reusing: message)
            } else {
                element = try XMLStreamParser.parseDocument(message, limits: limits)
            }
        } catch {
            return .failure(StreamError(error))
        }
        guard element.namespace == XMPPNamespace.framing else { return .success(.element(element)) }
        switch element.name {
        case "open":
            // §3.4: the attributes of a stream header, on an element in the framing namespace.
            return .success(
                .streamStart(
                    XMLStreamHeader(
                        name: element.name, namespace: element.namespace, attributes: element.attributes,
                        namespaceDeclarations: [XMLNamespaceDeclaration(prefix: nil, uri: XMPPNamespace.framing)])))
        case "close":
            return .success(.streamEnd)
        default:
            return .failure(StreamError(.unsupportedStanzaType, text: "unknown framing element <\(element.name)/>"))
        }
    }
}
