import ParleyCred
import ParleyXML

/// The component side of an XEP-0114 stream as a value-type state machine: feed it what
/// the server sent; it returns what to do. The NIO shell that runs it (connector,
/// reconnect with backoff) is separate.
///
///     var state = ComponentClientState(domain: "echo.example.com", secret: "s3cret")
///     state.connected()              // → .send(stream header)
///     state.received(.streamStart(h)) // → .send(<handshake>…</handshake>)
///     state.received(.element(<handshake/>)) // → .authenticated
public struct ComponentClientState: Sendable {
    /// What the shell should do next.
    public enum Action: Sendable, Equatable {
        /// Write these bytes.
        case send([UInt8])
        /// The handshake succeeded: stanzas may flow (queued ones first).
        case authenticated
        /// A stanza for the component.
        case deliver(XMLElement)
        /// The stream failed: close it, then reconnect or give up as `retry` says.
        case fail(reason: String, retry: Bool)
        /// Nothing to do.
        case none
    }

    enum Phase: Sendable, Equatable {
        case disconnected
        case awaitingHeader
        case awaitingHandshakeReply(streamID: String)
        case authenticated
        case failed
    }

    /// The component's domain (`echo.example.com`), the `to` of its stream header.
    public let domain: String
    private let secret: String
    private(set) var phase = Phase.disconnected

    public init(domain: String, secret: String) {
        self.domain = domain
        self.secret = secret
    }

    /// Whether stanzas may be sent now.
    public var isAuthenticated: Bool { phase == .authenticated }

    /// The TCP connection is up: open the stream (XEP-0114 §2: `to` is the component's domain).
    public mutating func connected() -> Action {
        phase = .awaitingHeader
        let header = XMLStreamHeader(
            name: "stream", namespace: XMPPNamespace.streams, prefix: "stream",
            attributes: [XMLAttribute("to", value: domain)],
            namespaceDeclarations: [
                XMLNamespaceDeclaration(prefix: nil, uri: XMPPNamespace.component),
                XMLNamespaceDeclaration(prefix: "stream", uri: XMPPNamespace.streams),
            ])
        var bytes: [UInt8] = []
        XMLSerializer.writeStreamHeader(header, into: &bytes)
        return .send(bytes)
    }

    /// One event from the server's stream.
    public mutating func received(_ event: XMLStreamEvent) -> Action {
        switch (phase, event) {
        case (.awaitingHeader, .streamStart(let header)):
            guard header.name == "stream", header.namespace == XMPPNamespace.streams,
                header.defaultNamespace == XMPPNamespace.component
            else { return fail("the server's stream is not a component stream", retry: false) }
            // §3: the handshake is computed over the id the server chose.
            guard let id = header.attribute("id"), !id.isEmpty else {
                return fail("the server's stream header has no id", retry: false)
            }
            phase = .awaitingHandshakeReply(streamID: id)
            let handshake = XMLElement(
                name: "handshake", namespace: XMPPNamespace.component,
                children: [.text(ComponentHandshake.digest(streamID: id, secret: secret))])
            return .send(handshake.serialized(inheritedNamespace: XMPPNamespace.component))
        case (.awaitingHandshakeReply, .element(let element))
        where element.name == "handshake" && element.namespace == XMPPNamespace.component:
            phase = .authenticated
            return .authenticated
        case (_, .element(let element)) where element.name == "error" && element.namespace == XMPPNamespace.streams:
            // §3: a wrong secret is not-authorized; a taken domain is conflict. Neither
            // gets better by retrying at once, but a shutdown of the server does.
            let condition = element.elements.first { $0.namespace == XMPPNamespace.streamErrors }?.name ?? "undefined"
            let retry = condition == "system-shutdown" || condition == "connection-timeout" || condition == "reset"
            return fail("stream error: \(condition)", retry: retry)
        case (.authenticated, .element(let element)):
            return .deliver(element)
        case (_, .streamEnd):
            return fail("the server closed the stream", retry: true)
        default:
            return fail("unexpected \(event) while \(phase)", retry: false)
        }
    }

    /// The connection dropped.
    public mutating func disconnected() -> Action {
        let wasUp = phase != .failed
        phase = .disconnected
        return wasUp ? .fail(reason: "connection lost", retry: true) : .none
    }

    private mutating func fail(_ reason: String, retry: Bool) -> Action {
        phase = .failed
        return .fail(reason: reason, retry: retry)
    }
}
