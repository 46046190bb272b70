import Foundation
import ParleyCred
import ParleyXML

/// The originating side of a server-to-server stream from one of our domains to a remote
/// domain (RFC 6120 §4–§6, XEP-0178, XEP-0220) as a value-type state machine. Once it is
/// established, the shell writes stanzas from `local` to `remote`; before that it may
/// carry dialback verifications for the receiving side of other streams.
///
///     var state = S2SConnectState(configuration)
///     state.start()                              // → send our header
///     state.received(.streamStart(h)), features   // → <starttls/>; then tlsEstablished(…)
///     features (after TLS)                       // → <auth EXTERNAL/> or <db:result>key</db:result>
///     <success/> or <db:result type='valid'/>    // → established
public struct S2SConnectState: Sendable {
    /// What the shell should do next.
    public enum Action: Sendable, Equatable {
        /// Write these bytes.
        case send([UInt8])
        /// Start TLS as the client (the server said `<proceed/>`), then call
        /// `tlsEstablished(certificateNames:)`.
        case startTLS
        /// Reset the parser and write these bytes (a new stream header, RFC 6120 §6.4.6).
        case restart([UInt8])
        /// The stream is authenticated: stanzas from `local` to `remote` may flow.
        case established(method: String)
        /// Dialback verifications for other streams may be written from now on (TLS is up
        /// and our own authentication is under way: XEP-0220 §2.1.3 does not wait for it).
        case readyToVerify
        /// The authoritative server answered a verification we asked (XEP-0220 §2.1.4).
        case verified(DialbackVerification, DialbackOutcome)
        /// The stream failed before it was established, or ended: close with this error
        /// (to send, if any) and report `reason`.
        case fail(sending: StreamError?, reason: S2SFailure)
    }

    /// What the originating side needs to know.
    public struct Configuration: Sendable {
        public var local: String
        public var remote: String
        public var requireTLS = true
        /// Refuse a peer whose certificate does not verify for `remote` (no dialback on an
        /// unauthenticated server; Prosody's `s2s_secure_auth`).
        public var requireValidCertificate = false
        /// Try SASL EXTERNAL (XEP-0178) when offered: we present our certificate.
        public var external = true
        public var dialback = true
        public var dialbackSecret: String

        public init(local: String, remote: String, dialbackSecret: String) {
            self.local = local
            self.remote = remote
            self.dialbackSecret = dialbackSecret
        }
    }

    enum Phase: Sendable, Equatable {
        case idle
        case awaitingHeader
        case awaitingFeatures
        case awaitingProceed
        case awaitingTLS
        case awaitingSASL
        case awaitingDialback
        case established
        case closed
    }

    private(set) var phase = Phase.idle
    /// Whether our side of the current stream is open: our header went out since the last
    /// restart (TLS starts a new stream, RFC 6120 §5.4.3.3).
    private var headerSent = false
    public let configuration: Configuration
    /// The id of the remote server's stream header (dialback keys cover it).
    public private(set) var streamID: String?
    public private(set) var secured = false
    private var certificateNames: S2SCertificateNames = .none
    private var saslDone = false
    private var externalRefused = false
    /// Whether the peer's last features offered SASL EXTERNAL.
    private var offersExternal = false
    /// Whether the peer offers dialback (the feature, or the `db` prefix in its header).
    private var dialbackOffered = false
    /// Verifications sent and not answered, by stream id.
    private var verifications: [String: DialbackVerification] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var isEstablished: Bool { phase == .established }
    public var isClosed: Bool { phase == .closed }
    /// Whether a dialback verification can be written now: after TLS (when required) and
    /// the features, so that it never crosses a stream restart.
    public var canVerify: Bool { phase == .awaitingDialback || phase == .established }

    /// Our opening header.
    public mutating func start() -> [UInt8] {
        phase = .awaitingHeader
        return header()
    }

    /// Direct TLS (XEP-0368): the connection is TLS from its first byte; the header goes
    /// out from `tlsEstablished(certificateNames:)` once the handshake is done.
    public mutating func startWithTLS() {
        phase = .awaitingTLS
        headerSent = false
    }

    private mutating func header() -> [UInt8] {
        headerSent = true
        return S2SElements.header(from: configuration.local, to: configuration.remote, id: nil)
    }

    /// One event from the receiving server's stream.
    public mutating func received(_ event: XMLStreamEvent) -> [Action] {
        switch (phase, event) {
        case (.closed, _), (.idle, _), (.awaitingTLS, _):
            return []
        case (.awaitingHeader, .streamStart(let header)):
            if let error = StreamHeaderCheck.rootError(in: header, framing: .tcp, contentNamespace: XMPPNamespace.server) {
                return fail(error, .refused(error))
            }
            guard let id = header.attribute("id"), !id.isEmpty else {
                let error = StreamError(.invalidXML, text: "a stream header without an id")
                return fail(error, .refused(error))
            }
            streamID = id
            dialbackOffered = header.namespaceDeclarations.contains { $0.uri == XMPPNamespace.dialback }
            phase = .awaitingFeatures
            return []
        case (_, .streamEnd):
            phase = .closed
            return [.fail(sending: nil, reason: .closedByPeer)]
        case (_, .streamStart):
            return fail(StreamError(.notWellFormed, text: "unexpected stream header"), .protocolError("unexpected stream header"))
        case (.awaitingHeader, .element):
            return fail(StreamError(.notWellFormed, text: "an element before the stream header"), .protocolError("no header"))
        case (_, .element(let element)):
            return received(element)
        }
    }

    /// TLS is up: `names` is what the server's certificate was verified for.
    public mutating func tlsEstablished(certificateNames names: S2SCertificateNames) -> [Action] {
        guard phase == .awaitingTLS else { return [] }
        secured = true
        certificateNames = names
        if configuration.requireValidCertificate && !names.covers(configuration.remote) {
            return fail(
                StreamError(.policyViolation, text: "the certificate does not verify for \(configuration.remote)"),
                .certificate("the certificate of \(configuration.remote) does not verify"))
        }
        phase = .awaitingHeader
        return [.restart(header())]
    }

    /// A `<db:verify/>` for the receiving side of another stream (XEP-0220 §2.1.3); nil
    /// when it cannot be written now (`canVerify`) or one for the same stream waits.
    public mutating func verify(_ request: DialbackVerification) -> [UInt8]? {
        guard canVerify, verifications[request.streamID] == nil else { return nil }
        verifications[request.streamID] = request
        return S2SElements.bytes(
            S2SElements.dialback(
                "verify", from: request.receiving, to: request.originating, id: request.streamID, key: request.key))
    }

    /// Verifications still waiting for an answer, given back when the stream ends.
    public mutating func takeUnansweredVerifications() -> [DialbackVerification] {
        defer { verifications = [:] }
        return Array(verifications.values)
    }

    /// Ends the stream: the error (if any) and the closing tag, after a header of our own
    /// when the current stream has none yet (an error right after TLS, §4.9.1.1); nil when
    /// already closed or never opened.
    public mutating func closingBytes(error: StreamError?) -> [UInt8]? {
        guard phase != .closed else { return nil }
        let opened = phase != .idle
        phase = .closed
        guard opened else { return nil }
        var bytes: [UInt8] = headerSent ? [] : header()
        if let error { bytes += S2SElements.bytes(error.element) }
        bytes.append(contentsOf: "</stream:stream>".utf8)
        return bytes
    }

    public mutating func abandon() {
        phase = .closed
    }

    // MARK: Elements

    private mutating func received(_ element: XMLElement) -> [Action] {
        switch (element.namespace, element.name) {
        case (XMPPNamespace.streams, "error"):
            phase = .closed
            return [.fail(sending: nil, reason: .refused(StreamError(received: element)))]
        case (XMPPNamespace.streams, "features") where phase == .awaitingFeatures:
            return features(element)
        case (XMPPNamespace.tls, "proceed") where phase == .awaitingProceed:
            phase = .awaitingTLS
            headerSent = false
            return [.startTLS]
        case (XMPPNamespace.tls, "failure") where phase == .awaitingProceed:
            return fail(nil, .tls("the server refused STARTTLS"))
        case (XMPPNamespace.sasl, "success") where phase == .awaitingSASL:
            saslDone = true
            phase = .awaitingHeader
            return [.restart(header())]
        case (XMPPNamespace.sasl, "failure") where phase == .awaitingSASL:
            // XEP-0178 §3 step 8: fall back to dialback where it is offered.
            externalRefused = true
            return authenticate()
        case (XMPPNamespace.dialback, "result") where phase == .awaitingDialback:
            return dialbackResult(element)
        case (XMPPNamespace.dialback, "verify"):
            return verifyAnswer(element)
        default:
            // A stanza on our outgoing stream: without XEP-0288 it has no business here.
            return []
        }
    }

    private mutating func features(_ features: XMLElement) -> [Action] {
        if saslDone {
            phase = .established
            return [.established(method: "SASL EXTERNAL")]
        }
        if !secured, features.firstChild(named: "starttls", namespace: XMPPNamespace.tls) != nil {
            phase = .awaitingProceed
            return [.send(S2SElements.bytes(S2SElements.starttls))]
        }
        if !secured && configuration.requireTLS {
            return fail(
                StreamError(.policyViolation, text: "TLS is required"), .tls("\(configuration.remote) does not offer STARTTLS"))
        }
        let mechanisms = features.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl)?.elements.map(\.text) ?? []
        offersExternal = mechanisms.contains("EXTERNAL")
        if features.firstChild(named: "dialback", namespace: XMPPNamespace.dialbackFeature) != nil { dialbackOffered = true }
        return authenticate()
    }

    /// SASL EXTERNAL when offered and not yet refused, else dialback.
    private mutating func authenticate() -> [Action] {
        if configuration.external && secured && offersExternal && !externalRefused {
            phase = .awaitingSASL
            return [.send(S2SElements.bytes(S2SElements.externalAuth(authzid: configuration.local)))]
        }
        guard configuration.dialback, dialbackOffered, let streamID else {
            return fail(
                StreamError(.notAuthorized, text: "no authentication method in common"),
                .authentication("\(configuration.remote) offers neither SASL EXTERNAL we can use nor dialback"))
        }
        phase = .awaitingDialback
        let key = DialbackKey.key(
            secret: configuration.dialbackSecret, receiving: configuration.remote, originating: configuration.local,
            streamID: streamID)
        return [
            .send(S2SElements.bytes(S2SElements.dialback("result", from: configuration.local, to: configuration.remote, key: key))),
            .readyToVerify,
        ]
    }

    /// XEP-0220 §2.1.4: the receiving server's verdict on our key.
    private mutating func dialbackResult(_ element: XMLElement) -> [Action] {
        guard S2SElements.domain(element[attribute: "from"]) == configuration.remote,
            S2SElements.domain(element[attribute: "to"]) == configuration.local
        else { return [] }
        switch S2SElements.outcome(of: element) {
        case .valid?:
            phase = .established
            return [.established(method: "dialback")]
        case .invalid?:
            return fail(nil, .authentication("\(configuration.remote) found our dialback key invalid"))
        case .error(let error)?:
            return fail(nil, .authentication("dialback error from \(configuration.remote): \(error.condition.rawValue)"))
        case nil:
            return []
        }
    }

    private mutating func verifyAnswer(_ element: XMLElement) -> [Action] {
        guard let id = element[attribute: "id"], let request = verifications[id],
            S2SElements.domain(element[attribute: "from"]) == request.originating,
            let outcome = S2SElements.outcome(of: element)
        else { return [] }
        verifications[id] = nil
        return [.verified(request, outcome)]
    }

    private mutating func fail(_ error: StreamError?, _ reason: S2SFailure) -> [Action] {
        [.fail(sending: error, reason: reason)]
    }
}

/// Why an outgoing server-to-server stream failed: the shell bounces what waited with
/// `remote-server-not-found` or `remote-server-timeout` accordingly (RFC 6120 §8.3.3.15–16).
public enum S2SFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No address for the domain, or every address refused the connection.
    case unreachable(String)
    /// Connecting or negotiating took too long.
    case timeout
    case tls(String)
    case certificate(String)
    case authentication(String)
    /// The server ended the stream with this error.
    case refused(StreamError)
    case protocolError(String)
    /// The server closed the stream.
    case closedByPeer

    public var description: String {
        switch self {
        case .unreachable(let text), .tls(let text), .certificate(let text), .authentication(let text), .protocolError(let text):
            text
        case .timeout: "timed out"
        case .refused(let error): "stream error \(error.condition.rawValue)\(error.text.map { ": \($0)" } ?? "")"
        case .closedByPeer: "the server closed the stream"
        }
    }

    /// The stanza error a bounced stanza carries.
    public var bounceCondition: StanzaError.Condition {
        switch self {
        case .timeout: .remoteServerTimeout
        default: .remoteServerNotFound
        }
    }
}
