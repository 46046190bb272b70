import ParleyCred
import ParleyXML

/// The server side of an XMPP stream's negotiation (RFC 6120 §4–§7) as a value-type
/// state machine: stream header checks, features, STARTTLS, SASL, resource binding, the
/// checks on the bound stream's stanzas, stream errors and close. Feed it the peer's
/// stream events and the answers to its requests; it returns the actions to carry out,
/// in order. It knows no framing, socket, portal or model, so TCP with STARTTLS, RFC 7395
/// WebSocket framing and server-to-server streams can run the same negotiation.
///
///     var stream = ServerStreamNegotiation(configuration: c)
///     stream.receiveHeader(h)          // → [.openStream(id), .send(<features/>)]
///     stream.receiveElement(<auth/>)   // → [.checkCredentials(c)]
///     stream.receiveLogin(.success(g)) // → [.acceptLogin, .restartStream, .send(<success/>)]
///     stream.receiveHeader(h)          // → [.openStream(id), .send(<features><bind/>…)]
///     stream.receiveElement(<iq><bind/></iq>) // → [.bindResource(iq, "laptop")]
///     stream.receiveBind(.bound(jid))  // → [.acceptSession, .send(<iq type='result'/>)]
public struct ServerStreamNegotiation: Sendable {
    /// Shared by every stream of a listener: one reference per stream, not a copy.
    private final class SharedConfiguration: Sendable {
        let value: Configuration
        init(_ value: Configuration) { self.value = value }
    }
    private let shared: SharedConfiguration
    public var configuration: Configuration { shared.value }
    var state: State = .awaitingHeader(AwaitingHeader(account: nil, authFailures: 0))
    /// Whether TLS is under the stream (after STARTTLS, or a TLS transport from the start).
    public private(set) var secure: Bool
    /// The id of our latest stream header; nil until the first is sent.
    public private(set) var streamID: String?

    public init(configuration: Configuration, secure: Bool = false) {
        self.shared = SharedConfiguration(configuration)
        self.secure = secure
    }

    var domain: String { configuration.domain }

    // MARK: State the connection may read

    /// Closing or closed: nothing more is processed.
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// The full JID of the bound resource, once there is one.
    public var boundJID: JID? {
        if case .bound(let bound) = state { return bound.jid }
        return nil
    }

    /// The authenticated account's bare JID, from SASL success until the stream closes.
    public var account: JID? {
        switch state {
        case .awaitingHeader(let waiting): waiting.account
        case .authenticated(let authenticated): authenticated.account
        case .binding(let binding): binding.account
        case .bound(let bound): bound.jid.bare
        case .negotiating, .authenticating, .closed: nil
        }
    }

    /// The SASL mechanisms offered on this stream now (RFC 6120 §6.3.3).
    public var offeredMechanisms: [String] {
        secure ? configuration.mechanismsOverTLS : configuration.mechanismsInClear
    }

    /// Whether in-band registration is offered now: only over TLS unless clear-text
    /// passwords were allowed (XEP-0077 §13).
    public var registrationOffered: Bool {
        configuration.registration && (secure || configuration.allowPlainWithoutTLS)
    }

    // MARK: Inputs

    /// The peer's stream header (RFC 6120 §4.7): ours, then the features or the error.
    public mutating func receiveHeader(_ header: XMLStreamHeader) -> [Action] {
        guard case .awaitingHeader(let waiting) = state else {
            if isClosed { return [] }
            return close(StreamError(.notWellFormed, text: "unexpected stream header"))
        }
        let id = configuration.makeID(7)  // 14 characters: a small string, no allocation
        streamID = id
        // §4.9.1.3: a header error is reported after our own header.
        if let error = StreamHeaderCheck.error(
            in: header, domain: domain, framing: configuration.framing, contentNamespace: configuration.contentNamespace)
        {
            return [.openStream(id: id)] + close(error)
        }
        if let account = waiting.account {
            state = .authenticated(Authenticated(account: account))
        } else {
            state = .negotiating(Negotiating(authFailures: waiting.authFailures))
        }
        return [.openStream(id: id), .send(features())]
    }

    /// One top-level element of the peer's stream.
    public mutating func receiveElement(_ element: XMLElement) -> [Action] {
        switch state {
        case .closed:
            return []
        case .bound(let bound):
            return boundElement(element, jid: bound.jid)
        case .awaitingHeader:
            return close(StreamError(.notWellFormed, text: "an element before the stream header"))
        case .binding:
            // COMPAT: nothing is read while a request is answered; a peer that pipelines
            // past it breaks the protocol's order.
            return close(StreamError(.policyViolation, text: "wait for the answer to the previous request"))
        case .negotiating, .authenticating, .authenticated:
            return negotiate(element)
        }
    }

    /// The peer closed its stream (RFC 6120 §4.4): end the session, close ours.
    public mutating func receiveStreamEnd() -> [Action] {
        guard !isClosed else { return [] }
        return [.endSession] + close(nil)
    }

    /// Closes the stream from our side: a timeout, a shutdown, a replacing login, a parser
    /// or transport failure (its stream error).
    public mutating func close(_ error: StreamError?) -> [Action] {
        guard !isClosed else { return [] }
        // §4.9.1.1: an error before our header still needs one.
        var openFirst: String?
        if streamID == nil {
            let id = configuration.makeID(7)
            streamID = id
            openFirst = id
        }
        state = .closed
        return [.closeStream(error, openFirst: openFirst)]
    }

    /// The transport is gone: nothing more is sent.
    public mutating func transportClosed() {
        state = .closed
    }

    // MARK: Features (RFC 6120 §4.3.2)

    /// What may be negotiated now.
    func features() -> XMLElement {
        var features = XMLElement(name: "features", namespace: XMPPNamespace.streams)
        guard account == nil else {
            features.append(XMLElement(name: "bind", namespace: XMPPNamespace.bind))
            // RFC 6121 Appendix E (legacy clients): the session IQ is optional.
            var session = XMLElement(name: "session", namespace: XMPPNamespace.session)
            session.append(XMLElement(name: "optional", namespace: XMPPNamespace.session))
            features.append(session)
            features.append(XMLElement(name: "ver", namespace: XMPPNamespace.rosterVersioning))
            features.append(XMLElement(name: "sub", namespace: XMPPNamespace.preApproval))
            // XEP-0198 §2: offered once authenticated (enable after binding, or resume).
            if configuration.streamManagement { features.append(StreamManagementElements.feature) }
            // XEP-0352 §2.
            if configuration.clientStateIndication { features.append(XMLElement(name: "csi", namespace: XMPPNamespace.clientState)) }
            return features
        }
        if !secure && configuration.tlsAvailable {
            var starttls = XMLElement(name: "starttls", namespace: XMPPNamespace.tls)
            if configuration.requireTLS { starttls.append(XMLElement(name: "required", namespace: XMPPNamespace.tls)) }
            features.append(starttls)
        }
        if secure || !configuration.requireTLS {
            var mechanisms = XMLElement(name: "mechanisms", namespace: XMPPNamespace.sasl)
            for name in offeredMechanisms {
                mechanisms.append(text: name, in: "mechanism", namespace: XMPPNamespace.sasl)
            }
            features.append(mechanisms)
            if registrationOffered {
                features.append(XMLElement(name: "register", namespace: XMPPNamespace.registerFeature))
            }
        }
        return features
    }

    // MARK: Before binding

    /// Top-level elements before a resource is bound: STARTTLS, SASL, bind, registration.
    mutating func negotiate(_ element: XMLElement) -> [Action] {
        let content = configuration.contentNamespace
        switch (element.namespace, element.name) {
        case (XMPPNamespace.tls, "starttls"):
            return startTLS()
        case (XMPPNamespace.sasl, "auth"):
            return authenticate(element)
        case (XMPPNamespace.sasl, "response"):
            return respond(element)
        case (XMPPNamespace.sasl, "abort"):
            return abort()
        case (content, "iq") where account != nil:
            return bind(element)
        case (XMPPNamespace.streamManagement, _) where configuration.streamManagement && account != nil:
            return streamManagementBeforeBinding(element)
        case (content, "iq") where element.firstChild(named: "query", namespace: XMPPNamespace.register) != nil:
            guard registrationOffered else { return [.send(StanzaError(.serviceUnavailable).reply(to: element))] }
            return [.register(element)]
        case (content, _):
            // RFC 6120 §6.4.1 / §7.1: no stanzas before authentication and binding.
            return close(StreamError(.notAuthorized, text: "authenticate and bind a resource first"))
        default:
            return close(StreamError(.unsupportedStanzaType, text: "unexpected <\(element.name)/>"))
        }
    }

    /// STARTTLS (RFC 6120 §5.4).
    mutating func startTLS() -> [Action] {
        guard !secure, case .negotiating(let negotiating) = state, configuration.tlsAvailable else {
            // §5.4.2.2: failure, then the stream is closed.
            return [.send(XMLElement(name: "failure", namespace: XMPPNamespace.tls))] + close(nil)
        }
        secure = true
        state = .awaitingHeader(AwaitingHeader(account: nil, authFailures: negotiating.authFailures))
        return [.send(XMLElement(name: "proceed", namespace: XMPPNamespace.tls)), .startTLS, .restartStream]
    }
}
