import ParleyCore
import ParleyCred
import ParleyXML

/// The client side of an XMPP stream (RFC 6120) as a value-type state machine: STARTTLS
/// (§5), SASL (§6: SCRAM-SHA-256, SCRAM-SHA-1, PLAIN over TLS), resource binding (§7),
/// then stanzas both ways. Feed it what the server sent; it returns what to do. The NIO
/// shell (`XMPPClient`: TCP, TLS, timeouts, reconnect with backoff) is separate.
///
///     var state = XMPPClientState(settings: settings)
///     state.connected()                          // → [.write(stream header)]
///     state.received(.streamStart(header))       // → []
///     state.received(.element(<features/>))      // → [.send(<starttls/>)]
///     state.received(.element(<proceed/>))       // → [.startTLS]
///     state.tlsEstablished()                     // → [.write(stream header)]
///     …                                          // → [.online(jid), .send(<presence/>)]
public struct XMPPClientState: Sendable {
    enum Phase: Sendable {
        case disconnected
        /// Our header is out; the server's header, then its features, come next.
        case awaitingHeader
        case awaitingFeatures
        /// §5.4.2.3: `<starttls/>` sent.
        case awaitingProceed
        /// §6.4: `<auth/>` sent; the exchange so far.
        case authenticating(SASLExchange)
        /// §7.6: the bind request with this id is out.
        case binding(id: String)
        case online(JID)
        /// We sent `</stream:stream>` and wait for the server's (§4.4).
        case closing
        case failed
    }

    public let settings: XMPPClientSettings
    var phase = Phase.disconnected
    /// Whether TLS is in front of the stream (§5).
    public private(set) var isSecure = false
    private var isAuthenticated = false
    let clientNonce: String?

    /// `clientNonce` replays a SCRAM test vector; leave it nil outside tests.
    public init(settings: XMPPClientSettings, clientNonce: String? = nil) {
        self.settings = settings
        self.clientNonce = clientNonce
    }

    /// Our full JID once bound.
    public var jid: JID? {
        if case .online(let jid) = phase { jid } else { nil }
    }

    /// Whether the stream failed or closed: later events are ignored.
    public var isOver: Bool {
        switch phase {
        case .failed, .closing, .disconnected: true
        default: false
        }
    }

    // MARK: Transport events

    /// The TCP connection is up: open the stream (§4.7).
    public mutating func connected() -> [XMPPClientAction] {
        isSecure = false
        isAuthenticated = false
        return [openStream()]
    }

    /// TLS is in place (the shell did `.startTLS`): a new stream over it (§5.4.3.3).
    public mutating func tlsEstablished() -> [XMPPClientAction] {
        guard case .awaitingProceed = phase else { return [] }
        isSecure = true
        return [openStream()]
    }

    /// The connection dropped.
    public mutating func disconnected() -> [XMPPClientAction] {
        let wasUp = !isOver
        phase = .disconnected
        return wasUp ? [.fail(reason: "connection lost", retry: .backoff)] : []
    }

    /// The shell gave up on the stream itself (a parser limit, a timeout).
    public mutating func abandon() {
        phase = .failed
    }

    /// We end the stream (§4.4): the closing tag, or close at once when it is already over.
    public mutating func close() -> [XMPPClientAction] {
        switch phase {
        case .closing: return []
        case .disconnected, .failed:
            phase = .disconnected
            return [.closed]
        default:
            phase = .closing
            return [.write(Array("</stream:stream>".utf8))]
        }
    }

    // MARK: The server's stream

    /// One event from the server's stream.
    public mutating func received(_ event: XMLStreamEvent) -> [XMPPClientAction] {
        switch (phase, event) {
        case (.failed, _), (.disconnected, _):
            return []
        case (.closing, .streamEnd):
            phase = .disconnected
            return [.closed]
        case (.closing, _):
            return []  // §4.4: what the server still sends after our close is not processed
        case (_, .streamEnd):
            return fail("the server closed the stream", retry: .backoff)
        case (.awaitingHeader, .streamStart(let header)):
            // §4.7.5: a stream in the streams namespace, `jabber:client` content, version 1.0
            // (without it the server would send no features).
            guard header.name == "stream", header.namespace == XMPPNamespace.streams,
                header.defaultNamespace == XMPPNamespace.client
            else { return fail("the server's stream is not a client stream", retry: .longest) }
            guard header.attribute("version") == "1.0" else {
                return fail("the server's stream has no version 1.0", retry: .longest)
            }
            phase = .awaitingFeatures
            return []
        case (_, .streamStart):
            return fail("a stream header in the middle of the stream", retry: .backoff)
        case (_, .element(let element)) where element.name == "error" && element.namespace == XMPPNamespace.streams:
            let error = StreamError(received: element)
            return fail("stream error: \(error)", retry: error.retry)
        case (.awaitingFeatures, .element(let element)):
            guard element.name == "features", element.namespace == XMPPNamespace.streams else {
                return fail("expected stream features, got <\(element.name)>", retry: .backoff)
            }
            return features(element)
        case (.awaitingProceed, .element(let element)):
            guard element.namespace == XMPPNamespace.tls, element.name == "proceed" else {
                // §5.4.2.2: <failure/> and the server closes the stream.
                return fail("the server refused STARTTLS", retry: .longest)
            }
            return [.startTLS]
        case (.authenticating(let exchange), .element(let element)):
            return sasl(element, exchange: exchange)
        case (.binding(let id), .element(let element)):
            return bound(element, id: id)
        case (.online, .element(let element)):
            return stanza(element)
        default:
            return fail("unexpected \(event) during negotiation", retry: .backoff)
        }
    }

    // MARK: Negotiation

    /// §4.3: what the features allow next: TLS, then SASL, then binding.
    private mutating func features(_ features: XMLElement) -> [XMPPClientAction] {
        if !isSecure, features.firstChild(named: "starttls", namespace: XMPPNamespace.tls) != nil {
            phase = .awaitingProceed
            return [.send(XMLElement(name: "starttls", namespace: XMPPNamespace.tls))]
        }
        if !isSecure && settings.requireTLS {
            // §13.9.1: without TLS the password (or its proof) would travel in the clear.
            return fail("the server offers no STARTTLS and TLS is required", retry: .longest)
        }
        if !isAuthenticated {
            let offered = features.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl)?
                .elements.filter { $0.name == "mechanism" }.map(\.text) ?? []
            return startSASL(offered: offered)
        }
        guard features.firstChild(named: "bind", namespace: XMPPNamespace.bind) != nil else {
            return fail("the server offers no resource binding", retry: .longest)
        }
        // §7.6.1: ask for our resource; the server may change it.
        let id = "bind-1"
        phase = .binding(id: id)
        var bind = XMLElement(name: "bind", namespace: XMPPNamespace.bind)
        bind.append(XMLElement(name: "resource", namespace: XMPPNamespace.bind, children: [.text(settings.resource)]))
        let iq = XMLElement(
            name: "iq", namespace: XMPPNamespace.client,
            attributes: [XMLAttribute("type", value: "set"), XMLAttribute("id", value: id)], children: [.element(bind)])
        return [.send(iq)]
    }

    private mutating func bound(_ element: XMLElement, id: String) -> [XMPPClientAction] {
        guard element.name == "iq", element[attribute: "id"] == id else { return [] }
        guard element[attribute: "type"] == "result",
            let text = element.firstChild(named: "bind", namespace: XMPPNamespace.bind)?
                .firstChild(named: "jid", namespace: XMPPNamespace.bind)?.text,
            let jid = JID(text), jid.resource != nil
        else {
            let reason = StanzaError(from: element).map { "\($0)" } ?? "no JID in the answer"
            return fail("resource binding failed: \(reason)", retry: .backoff)
        }
        phase = .online(jid)
        // RFC 6121 §4.2: initial presence, so that the server routes presence to us.
        return [.online(jid), .send(XMLElement(name: "presence", namespace: XMPPNamespace.client))]
    }

    // MARK: Online

    /// RFC 6120 §8.2.3: every get/set IQ gets an answer; we answer pings (XEP-0199 §4)
    /// and refuse the rest (§8.4: service-unavailable); everything else is the user's.
    private func stanza(_ element: XMLElement) -> [XMPPClientAction] {
        guard element.name == "iq", let type = element[attribute: "type"], type == "get" || type == "set" else {
            return [.stanza(element)]
        }
        if type == "get", element.firstChild(named: "ping", namespace: XMPPNamespace.ping) != nil {
            var result = XMLElement(name: "iq", namespace: XMPPNamespace.client)
            result[attribute: "type"] = "result"
            result[attribute: "id"] = element[attribute: "id"]
            result[attribute: "to"] = element[attribute: "from"]
            return [.send(result)]
        }
        return [.send(StanzaError(.serviceUnavailable).reply(to: element, includingOriginal: false))]
    }

    // MARK: Helpers

    /// Our stream header: to our domain, from our bare JID (§4.7.1: a client may say who
    /// it is once TLS protects the stream), version 1.0.
    private mutating func openStream() -> XMPPClientAction {
        phase = .awaitingHeader
        var attributes = [XMLAttribute("to", value: settings.jid.domain), XMLAttribute("version", value: "1.0")]
        if isSecure { attributes.insert(XMLAttribute("from", value: settings.jid.description), at: 1) }
        attributes.append(XMLAttribute("lang", namespace: xmlNamespaceURI, value: "en"))
        return .write(XMPPStreamHeader.bytes(contentNamespace: XMPPNamespace.client, attributes: attributes))
    }

    mutating func fail(_ reason: String, retry: BackoffRetry) -> [XMPPClientAction] {
        phase = .failed
        return [.fail(reason: reason, retry: retry)]
    }

    mutating func authenticated() -> [XMPPClientAction] {
        // §6.4.6: a new stream after SASL success.
        isAuthenticated = true
        return [.resetParser, openStream()]
    }
}
