import ParleyCore
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
        /// The stream failed: close it, then reconnect after the wait `retry` says.
        case fail(reason: String, retry: Retry)
        /// Both sides closed the stream: close the connection.
        case closed
        /// Nothing to do.
        case none
    }

    /// How soon a failed stream is worth another attempt (shared with the IRC client).
    public typealias Retry = BackoffRetry

    enum Phase: Sendable, Equatable {
        case disconnected
        case awaitingHeader
        case awaitingHandshakeReply(streamID: String)
        /// The server's header had no id: it is about to say why (a stream error).
        case refusedHeader
        case authenticated
        /// We sent `</stream:stream>` and wait for the server's (RFC 6120 §4.4).
        case closing
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

    /// Whether the stream failed or closed: later events are ignored.
    public var isOver: Bool { phase == .failed || phase == .closing || phase == .disconnected }

    /// The TCP connection is up: open the stream (XEP-0114 §2: `to` is the component's domain).
    public mutating func connected() -> Action {
        phase = .awaitingHeader
        return .send(XMPPStreamHeader.bytes(contentNamespace: XMPPNamespace.component, attributes: [XMLAttribute("to", value: domain)]))
    }

    /// One event from the server's stream.
    public mutating func received(_ event: XMLStreamEvent) -> Action {
        switch (phase, event) {
        case (.failed, _), (.disconnected, _):
            return .none
        case (.closing, .streamEnd):
            phase = .disconnected
            return .closed
        case (.closing, _):
            return .none  // §4.4: what the server still sends after our close is not processed
        case (.awaitingHeader, .streamStart(let header)):
            guard header.name == "stream", header.namespace == XMPPNamespace.streams,
                header.defaultNamespace == XMPPNamespace.component
            else { return fail("the server's stream is not a component stream", retry: .longest) }
            // §3: the handshake is computed over the id the server chose.
            guard let id = header.attribute("id"), !id.isEmpty else {
                // COMPAT: Prosody refuses an unknown component domain with `id=''` and
                // then `host-unknown`; wait for that error, which says more.
                phase = .refusedHeader
                return .none
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
            return streamError(element)
        case (.refusedHeader, _):
            return fail("the server's stream header has no id", retry: .longest)
        case (.awaitingHandshakeReply, .element(let element)) where element.namespace == XMPPNamespace.streams:
            // COMPAT: some servers send (empty) `<stream:features/>` on a component stream
            // when its header carries no version; XEP-0114 has none, so skip it.
            return .none
        case (.authenticated, .element(let element)) where element.namespace == XMPPNamespace.streams:
            return .none  // COMPAT: as above, late features
        case (.authenticated, .element(let element)):
            return .deliver(element)
        case (_, .streamEnd):
            return fail("the server closed the stream", retry: .backoff)
        default:
            return fail("unexpected \(event) while \(phase)", retry: .longest)
        }
    }

    /// §3: a wrong secret is not-authorized; a taken domain is conflict. Neither gets
    /// better by retrying at once, but a shutdown of the server does.
    private mutating func streamError(_ element: XMLElement) -> Action {
        let error = StreamError(received: element)
        return fail("stream error: \(error.condition.rawValue)" + (error.text.map { " (\($0))" } ?? ""), retry: error.retry)
    }

    /// We end the stream (a graceful shutdown): the closing tag to send, unless the stream
    /// is already over (then close the connection at once).
    public mutating func close() -> Action {
        switch phase {
        case .awaitingHeader, .awaitingHandshakeReply, .refusedHeader, .authenticated:
            phase = .closing
            return .send(Array("</stream:stream>".utf8))
        case .closing:
            return .none
        case .disconnected, .failed:
            phase = .disconnected
            return .closed
        }
    }

    /// The shell gave up on the stream itself (an XML error, a handshake timeout, bad
    /// addressing): later events are ignored.
    public mutating func abandon() {
        phase = .failed
    }

    /// The connection dropped.
    public mutating func disconnected() -> Action {
        let wasUp = phase != .failed && phase != .closing && phase != .disconnected
        phase = .disconnected
        return wasUp ? .fail(reason: "connection lost", retry: .backoff) : .none
    }

    private mutating func fail(_ reason: String, retry: Retry) -> Action {
        phase = .failed
        return .fail(reason: reason, retry: retry)
    }
}
