import Foundation
import ParleyCred
import ParleyXML

/// The receiving side of a server-to-server stream (RFC 6120 §4–§6, §13.7; XEP-0178;
/// XEP-0220) as a value-type state machine: feed it the remote server's stream events;
/// it returns what to do. The shell owns the socket, TLS, the dialback look-ups and the
/// routing of stanzas.
///
///     state.received(.streamStart(h))          // → send our header and features
///     state.received(.element(<starttls/>))    // → send <proceed/>, start TLS; then tlsEstablished(…)
///     state.received(.element(<auth EXTERNAL>)) // → <success/> when the certificate names the domain
///     state.received(.element(<db:result>))    // → verifyDialback(…); then dialbackChecked(…)
///     state.received(.element(<message/>))     // → stanza(…) once its domain pair is authenticated
public struct S2SAcceptState: Sendable {
    /// What the shell should do next.
    public enum Action: Sendable, Equatable {
        /// Write these bytes.
        case send([UInt8])
        /// Write these bytes (`<proceed/>`), then start TLS as the server; call
        /// `tlsEstablished(certificateNames:)` once the handshake is done.
        case sendAndStartTLS([UInt8])
        /// Write these bytes (`<success/>`); the peer restarts the stream (reset the parser).
        case sendAndRestart([UInt8])
        /// Ask the authoritative server of `originating` whether the key is right
        /// (XEP-0220 §2.1.3); then call `dialbackChecked(_:outcome:)`.
        case verifyDialback(DialbackVerification)
        /// `pair` is authenticated from now on (for logs and the routing table).
        case authenticated(S2SDomainPair, method: String)
        /// A stanza whose sender and recipient domains are an authenticated pair.
        case stanza(XMLElement, S2SDomainPair)
        /// End the stream with this error (or none): write `closingBytes(error:)`.
        case close(StreamError?)
    }

    /// What the receiving side needs to know.
    public struct Configuration: Sendable {
        /// Whether a domain is served here (the chat domain and its components'): a stream
        /// or a dialback request to any other is refused.
        public var serves: @Sendable (String) -> Bool
        /// Whether a remote domain may federate with us (allow and deny lists).
        public var admits: @Sendable (String) -> Bool
        /// Require TLS before authentication and stanzas (RFC 6120 §5.3.1, the default).
        public var requireTLS = true
        /// Offer and accept Server Dialback (XEP-0220) where SASL EXTERNAL is not possible.
        public var dialback = true
        /// Accept dialback only for a domain the peer's certificate verified for: no
        /// dialback over an unauthenticated TLS channel (Prosody's `s2s_secure_auth`).
        public var requireValidCertificate = false
        /// The secret our dialback keys are made with, to answer `<db:verify/>` for our domains.
        public var dialbackSecret: String
        /// Makes stream ids.
        public var makeID: @Sendable () -> String = { SASLEncoding.randomID(bytes: 12) }

        public init(
            serves: @escaping @Sendable (String) -> Bool, admits: @escaping @Sendable (String) -> Bool,
            dialbackSecret: String
        ) {
            self.serves = serves
            self.admits = admits
            self.dialbackSecret = dialbackSecret
        }
    }

    enum Phase: Sendable, Equatable {
        case awaitingHeader
        case open
        case awaitingTLS
        case closed
    }

    private(set) var phase = Phase.awaitingHeader
    private let configuration: Configuration
    /// Our current stream id (XEP-0220 keys cover it).
    public private(set) var streamID = ""
    /// The domain the remote server named in its header's `from`, and the one it asked for.
    public private(set) var claimedDomain: String?
    public private(set) var localDomain: String?
    public private(set) var secured = false
    private var saslDone = false
    /// The domains the peer's certificate was verified for (set by the shell after TLS).
    private var certificateNames: S2SCertificateNames = .none
    /// The authenticated pairs (RFC 6120 §13.7: stanzas only between these).
    public private(set) var authenticated: Set<S2SDomainPair> = []
    /// Dialback requests being checked.
    private var pending: Set<S2SDomainPair> = []
    private var saslAttempts = 0
    /// A stream's bounds: dialback checks at once (each costs a look-up and a connection of
    /// ours), pairs authenticated on it, SASL attempts.
    public static let maximumPendingDialbacks = 8
    public static let maximumPairs = 64
    static let maximumSASLAttempts = 3

    /// `directTLS`: the connection came to the direct TLS port (XEP-0368) and is TLS from
    /// its first byte; the stream starts with `tlsEstablished(certificateNames:)`.
    public init(configuration: Configuration, directTLS: Bool = false) {
        self.configuration = configuration
        if directTLS { phase = .awaitingTLS }
    }

    public var isClosed: Bool { phase == .closed }

    // MARK: Events

    /// One event from the remote server's stream.
    public mutating func received(_ event: XMLStreamEvent) -> [Action] {
        switch (phase, event) {
        case (.closed, _), (.awaitingTLS, _):
            return []
        case (.awaitingHeader, .streamStart(let header)):
            return openStream(header)
        case (.open, .element(let element)):
            return received(element)
        case (_, .streamEnd):
            return [.close(nil)]
        case (_, .streamStart):
            return [.close(StreamError(.notWellFormed, text: "unexpected stream header"))]
        case (.awaitingHeader, .element):
            return [.close(StreamError(.notWellFormed, text: "an element before the stream header"))]
        }
    }

    /// TLS is up (RFC 6120 §5.4.3.3): the stream restarts; `names` is what the peer's
    /// certificate was verified for.
    public mutating func tlsEstablished(certificateNames names: S2SCertificateNames) {
        guard phase == .awaitingTLS else { return }
        secured = true
        certificateNames = names
        phase = .awaitingHeader
    }

    /// The authoritative server answered the dialback check of `request` (XEP-0220 §2.1.4).
    public mutating func dialbackChecked(_ request: DialbackVerification, outcome: DialbackOutcome) -> [Action] {
        let pair = S2SDomainPair(remote: request.originating, local: request.receiving)
        guard phase == .open, pending.remove(pair) != nil else { return [] }
        let answer = S2SElements.dialback("result", from: pair.local, to: pair.remote, outcome: outcome)
        guard outcome == .valid else {
            // §2.4: invalid — the answer, then the end of a stream that carries nothing else:
            // not-authorized for a wrong key; remote-connection-failed (RFC 6120 §4.9.3.15)
            // when the authoritative server could not be asked.
            if authenticated.isEmpty && pending.isEmpty {
                let error =
                    outcome == .invalid
                    ? StreamError(.notAuthorized, text: "dialback failed for \(pair.remote)")
                    : StreamError(.remoteConnectionFailed, text: "the authoritative server of \(pair.remote) did not answer")
                return [.send(S2SElements.bytes(answer)), .close(error)]
            }
            return [.send(S2SElements.bytes(answer))]
        }
        authenticated.insert(pair)
        return [.send(S2SElements.bytes(answer)), .authenticated(pair, method: "dialback")]
    }

    /// Ends the stream: our header if none was sent yet (§4.9.1.2), the error, the closing
    /// tag (§4.4); nil when the stream is already closed.
    public mutating func closingBytes(error: StreamError?) -> [UInt8]? {
        guard phase != .closed else { return nil }
        phase = .closed
        var bytes = streamID.isEmpty ? S2SElements.header(from: localDomain, to: claimedDomain, id: configuration.makeID()) : []
        if let error { bytes += S2SElements.bytes(error.element) }
        bytes.append(contentsOf: "</stream:stream>".utf8)
        return bytes
    }

    /// The connection ended without a closing exchange.
    public mutating func abandon() {
        phase = .closed
    }

    // MARK: Stream header and features (RFC 6120 §4.7, §4.3.2)

    private mutating func openStream(_ header: XMLStreamHeader) -> [Action] {
        claimedDomain = S2SElements.domain(header.attribute("from"))
        let to = S2SElements.domain(header.attribute("to"))
        // §4.9.3.6: every header, after TLS and SASL too, names a domain served here.
        localDomain = to.flatMap { configuration.serves($0) ? $0 : nil }
        if let error = StreamHeaderCheck.rootError(in: header, framing: .tcp, contentNamespace: XMPPNamespace.server) {
            return [.close(error)]
        }
        guard header.attribute("version").flatMap({ $0.split(separator: ".").first }).flatMap({ Int($0) }) == 1 else {
            return [.close(StreamError(.unsupportedVersion, text: "XMPP version 1.0 is required"))]
        }
        guard let local = localDomain else {
            return [.close(StreamError(.hostUnknown, text: "'\(String((header.attribute("to") ?? "").prefix(100)))' is not served here"))]
        }
        if let claimed = claimedDomain, !configuration.admits(claimed) {
            return [.close(StreamError(.policyViolation, text: "\(claimed) may not federate with \(local)"))]
        }
        streamID = configuration.makeID()
        phase = .open
        let header = S2SElements.header(from: local, to: claimedDomain, id: streamID)
        let external = secured && !saslDone && claimedDomain.map { certificateNames.covers($0) } == true
        let dialback =
            configuration.dialback && !saslDone && (secured || !configuration.requireTLS)
            && (!configuration.requireValidCertificate || certificateNames.isVerified)
        let features = S2SElements.features(
            starttls: !secured, tlsRequired: configuration.requireTLS, external: external, dialback: dialback)
        return [.send(header + S2SElements.bytes(features))]
    }

    // MARK: Elements

    private mutating func received(_ element: XMLElement) -> [Action] {
        switch (element.namespace, element.name) {
        case (XMPPNamespace.tls, "starttls"):
            guard !secured else { return [.close(StreamError(.policyViolation, text: "TLS is already on"))] }
            phase = .awaitingTLS
            return [.sendAndStartTLS(S2SElements.bytes(S2SElements.proceed))]
        case (XMPPNamespace.sasl, "auth"):
            return external(element)
        case (XMPPNamespace.dialback, "result"):
            return dialbackResult(element)
        case (XMPPNamespace.dialback, "verify"):
            return dialbackVerify(element)
        case (XMPPNamespace.server, "message"), (XMPPNamespace.server, "presence"), (XMPPNamespace.server, "iq"):
            return stanza(element)
        case (XMPPNamespace.streams, "error"):
            // RFC 6120 §4.9.1.3: the peer ends the stream with an error; no error back.
            return [.close(nil)]
        default:
            return [.close(StreamError(.unsupportedStanzaType, text: "unexpected <\(element.name.prefix(64))/>"))]
        }
    }

    /// XEP-0178 §3: SASL EXTERNAL with the certificate the TLS handshake verified.
    private mutating func external(_ element: XMLElement) -> [Action] {
        guard secured, !saslDone, let local = localDomain, element[attribute: "mechanism"] == "EXTERNAL" else {
            return [.send(S2SElements.bytes(S2SElements.saslFailure("invalid-mechanism")))]
        }
        let text = element.text.trimmingCharacters(in: .whitespaces)
        let authzid: String?
        if text.isEmpty || text == "=" {
            authzid = claimedDomain
        } else {
            authzid = SASLEncoding.decodeBase64(text).flatMap { String(bytes: $0, encoding: .utf8) }
        }
        saslAttempts += 1
        // RFC 6120 §6.4.5: a bounded number of attempts.
        guard saslAttempts <= Self.maximumSASLAttempts else {
            return [.close(StreamError(.policyViolation, text: "too many authentication attempts"))]
        }
        guard let domain = S2SElements.domain(authzid), claimedDomain == nil || claimedDomain == domain else {
            return [.send(S2SElements.bytes(S2SElements.saslFailure("invalid-authzid")))]
        }
        guard certificateNames.covers(domain), configuration.admits(domain), !configuration.serves(domain) else {
            return [.send(S2SElements.bytes(S2SElements.saslFailure("not-authorized")))]
        }
        saslDone = true
        let pair = S2SDomainPair(remote: domain, local: local)
        authenticated.insert(pair)
        // Dialback keys were checked against this stream's id; the restart makes a new one.
        pending = []
        phase = .awaitingHeader
        return [.authenticated(pair, method: "SASL EXTERNAL"), .sendAndRestart(S2SElements.bytes(S2SElements.saslSuccess))]
    }

    /// XEP-0220 §2.1.2: the originating server asks to be believed for `from`.
    private mutating func dialbackResult(_ element: XMLElement) -> [Action] {
        guard configuration.dialback, secured || !configuration.requireTLS else {
            return [.close(StreamError(.policyViolation, text: "dialback is not offered on this stream"))]
        }
        guard S2SElements.outcome(of: element) == nil else { return [] }
        guard let from = S2SElements.domain(element[attribute: "from"]), let to = S2SElements.domain(element[attribute: "to"]) else {
            return [.close(StreamError(.improperAddressing, text: "db:result needs 'from' and 'to' domains"))]
        }
        // §2.4.1: a domain we do not serve is an item-not-found error, not the stream's end.
        guard configuration.serves(to) else {
            return [.send(S2SElements.bytes(S2SElements.dialback("result", from: to, to: from, outcome: .error(StanzaError(.itemNotFound)))))]
        }
        guard configuration.admits(from), !configuration.serves(from) else {
            return [.send(S2SElements.bytes(S2SElements.dialback("result", from: to, to: from, outcome: .error(StanzaError(.forbidden)))))]
        }
        guard !configuration.requireValidCertificate || certificateNames.covers(from) else {
            let error = StanzaError(.notAuthorized, text: "the certificate does not verify for \(from)")
            return [.send(S2SElements.bytes(S2SElements.dialback("result", from: to, to: from, outcome: .error(error))))]
        }
        let key = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty, key.utf8.count <= 1024 else {
            return [.close(StreamError(.notAuthorized, text: "db:result needs a key"))]
        }
        let pair = S2SDomainPair(remote: from, local: to)
        // Bounded: an unauthenticated peer cannot make us look up and connect to any number
        // of domains; before anything is authenticated, only the domain of its header.
        if authenticated.isEmpty, let claimed = claimedDomain, claimed != from {
            return [.close(StreamError(.invalidFrom, text: "this stream is from \(claimed)"))]
        }
        guard pending.count < Self.maximumPendingDialbacks, authenticated.count < Self.maximumPairs else {
            let error = StanzaError(.resourceConstraint, type: .wait, text: "too many domains on one stream")
            return [.send(S2SElements.bytes(S2SElements.dialback("result", from: to, to: from, outcome: .error(error))))]
        }
        guard pending.insert(pair).inserted else { return [] }
        return [.verifyDialback(DialbackVerification(originating: from, receiving: to, streamID: streamID, key: key))]
    }

    /// XEP-0220 §2.1.3–§2.1.4: we are the authoritative server; is the key ours?
    private func dialbackVerify(_ element: XMLElement) -> [Action] {
        guard S2SElements.outcome(of: element) == nil else { return [] }
        guard let from = S2SElements.domain(element[attribute: "from"]), let to = S2SElements.domain(element[attribute: "to"]),
            let id = element[attribute: "id"], !id.isEmpty, id.utf8.count <= 256
        else {
            return [.close(StreamError(.improperAddressing, text: "db:verify needs 'from', 'to' and 'id'"))]
        }
        guard configuration.serves(to) else {
            let answer = S2SElements.dialback("verify", from: to, to: from, id: id, outcome: .error(StanzaError(.itemNotFound)))
            return [.send(S2SElements.bytes(answer))]
        }
        let key = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let valid = DialbackKey.verify(
            key, secret: configuration.dialbackSecret, receiving: from, originating: to, streamID: id)
        let answer = S2SElements.dialback("verify", from: to, to: from, id: id, outcome: valid ? .valid : .invalid)
        return [.send(S2SElements.bytes(answer))]
    }

    /// RFC 6120 §4.9.3.9, §13.7: a stanza travels only between an authenticated pair.
    private func stanza(_ element: XMLElement) -> [Action] {
        guard let fromText = element[attribute: "from"], let toText = element[attribute: "to"] else {
            return [.close(StreamError(.improperAddressing, text: "server stanzas need both 'from' and 'to'"))]
        }
        guard let from = JID(fromText), let to = JID(toText) else {
            return [.close(StreamError(.invalidFrom, text: "malformed address"))]
        }
        let pair = S2SDomainPair(remote: from.domain, local: to.domain)
        guard authenticated.contains(pair) else {
            return [.close(StreamError(.invalidFrom, text: "\(pair) is not authenticated on this stream"))]
        }
        return [.stanza(element, pair)]
    }
}
