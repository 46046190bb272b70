import Foundation
import ParleyCred
import ParleyXML

/// The server side of an XEP-0114 stream (the router accepting a component) as a
/// value-type state machine: feed it the component's stream events; it returns what to
/// do. The shell owns the socket, the route tables and the timers.
///
///     var state = ComponentAcceptState(secret: secrets.secret(for:))
///     state.received(.streamStart(h))          // → .send(our header, with a fresh id)
///     state.received(.element(<handshake/>))   // → .verified(domain:) — attach, then attached()
///     state.received(.element(<message/>))     // → .stanza(element, domain:)
public struct ComponentAcceptState: Sendable {
    /// What the shell should do next.
    public enum Action: Sendable, Equatable {
        /// Write these bytes.
        case send([UInt8])
        /// The handshake matches the domain's secret: attach the domain, then call
        /// `attached()` and write `<handshake/>`, or close with `conflict` if it is taken.
        case verified(domain: String)
        /// A stanza from the authenticated component.
        case stanza(XMLElement, domain: String)
        /// End the stream with this error (or none): write `closingBytes(error:)`.
        case close(StreamError?)
        /// Nothing to do.
        case none
    }

    enum Phase: Sendable, Equatable {
        /// Waiting for the component's stream header.
        case awaitingHeader
        /// Header answered; waiting for `<handshake/>` over `streamID`.
        case awaitingHandshake(domain: String)
        /// Handshake done: the component serves `domain`.
        case authenticated(domain: String)
        /// The stream is closing or closed; nothing more is processed.
        case closed
    }

    private(set) var phase = Phase.awaitingHeader
    /// The id of our stream header (§3: the handshake digest covers it); empty until sent.
    public private(set) var streamID = ""
    /// The domain a refused header asked for: our header answers from it (RFC 6120 §4.9.1.2).
    private var refusedDomain: String?
    private let secret: @Sendable (String) -> String?
    private let makeID: @Sendable () -> String

    /// `secret` answers the shared secret of a component domain, or nil when the domain is
    /// not served; `makeID` makes stream ids (random by default).
    public init(
        secret: @escaping @Sendable (String) -> String?,
        makeID: @escaping @Sendable () -> String = { SASLEncoding.randomID(bytes: 8) }
    ) {
        self.secret = secret
        self.makeID = makeID
    }

    /// The domain the component serves, once the handshake is done.
    public var domain: String? {
        if case .authenticated(let domain) = phase { return domain }
        return nil
    }

    public var isAuthenticated: Bool { domain != nil }

    public var isClosed: Bool { phase == .closed }

    /// One event from the component's stream.
    public mutating func received(_ event: XMLStreamEvent) -> Action {
        switch (phase, event) {
        case (.closed, _):
            return .none
        case (.awaitingHeader, .streamStart(let header)):
            return openStream(header)
        case (.awaitingHandshake(let domain), .element(let element)):
            return handshake(element, domain: domain)
        case (.authenticated(let domain), .element(let element)):
            return .stanza(element, domain: domain)
        case (_, .streamEnd):
            // RFC 6120 §4.4: the component closed its stream; close ours and the connection.
            return .close(nil)
        case (_, .streamStart):
            return .close(StreamError(.notWellFormed, text: "unexpected stream header"))
        case (.awaitingHeader, .element):
            return .close(StreamError(.notWellFormed, text: "a stanza before the stream header"))
        }
    }

    /// The shell attached the verified domain: stanzas flow from now on.
    public mutating func attached() {
        if case .awaitingHandshake(let domain) = phase { phase = .authenticated(domain: domain) }
    }

    /// Ends the stream: the bytes to write — our header if none was sent yet (§4.9.1.2),
    /// the error, the closing tag (§4.4) — or nil when the stream is already closed.
    public mutating func closingBytes(error: StreamError?) -> [UInt8]? {
        guard phase != .closed else { return nil }
        phase = .closed
        var bytes = streamID.isEmpty ? header(from: refusedDomain) : []
        if let error { error.element.serialize(into: &bytes, inheritedNamespace: XMPPNamespace.component) }
        bytes.append(contentsOf: "</stream:stream>".utf8)
        return bytes
    }

    /// The shell ended the connection without a closing exchange (the transport failed
    /// or dropped): later events are ignored.
    public mutating func abandon() {
        phase = .closed
    }

    // MARK: Stream header and handshake (XEP-0114 §2, §3)

    private mutating func openStream(_ header: XMLStreamHeader) -> Action {
        // RFC 6120 §4.9.3.10 and XEP-0114 §2: `stream` in the streams namespace, content in
        // jabber:component:accept (no version is required of a component).
        if let error = StreamHeaderCheck.rootError(in: header, framing: .tcp, contentNamespace: XMPPNamespace.component) {
            refusedDomain = header.attribute("to").flatMap(JID.init)?.domain
            return .close(error)
        }
        // §2: `to` names the component's domain; §3: only domains with a secret are served.
        guard let to = header.attribute("to"), let jid = JID(to), jid.localpart == nil, jid.resource == nil,
            secret(jid.domain) != nil
        else {
            refusedDomain = header.attribute("to").flatMap(JID.init)?.domain
            let asked = String((header.attribute("to") ?? "").prefix(100))
            return .close(StreamError(.hostUnknown, text: "no component domain '\(asked)' is configured here"))
        }
        phase = .awaitingHandshake(domain: jid.domain)
        return .send(self.header(from: jid.domain))
    }

    /// Our stream header with a fresh id (§2).
    private mutating func header(from domain: String?) -> [UInt8] {
        streamID = makeID()
        var attributes = [XMLAttribute("id", value: streamID)]
        if let domain { attributes.insert(XMLAttribute("from", value: domain), at: 0) }
        return XMPPStreamHeader.bytes(contentNamespace: XMPPNamespace.component, attributes: attributes)
    }

    private func handshake(_ element: XMLElement, domain: String) -> Action {
        guard element.name == "handshake", element.namespace == XMPPNamespace.component else {
            return .close(StreamError(.notAuthorized, text: "send <handshake/> first"))
        }
        // §3: hex(SHA-1(stream id + secret)), compared in constant time.
        let digest = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let secret = secret(domain), ComponentHandshake.verify(digest, streamID: streamID, secret: secret) else {
            return .close(StreamError(.notAuthorized, text: "the handshake does not match the secret of \(domain)"))
        }
        return .verified(domain: domain)
    }
}
