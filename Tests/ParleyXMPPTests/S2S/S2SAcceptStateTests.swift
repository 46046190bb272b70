import Foundation
import ParleyCred
import ParleyXML
import Testing

@testable import ParleyXMPP

/// The receiving side alone: stream header checks (RFC 6120 §4.7, §4.9.3), what it offers
/// before and after TLS, and its answers as the authoritative server (XEP-0220 §2.1.4).
@Suite struct S2SAcceptStateTests {
    func makeState(requireTLS: Bool = true) -> S2SAcceptState {
        var configuration = S2SAcceptState.Configuration(
            serves: { $0 == "b.test" }, admits: { $0 != "b.test" }, dialbackSecret: "secret-of-b")
        configuration.requireTLS = requireTLS
        configuration.makeID = { "stream-1" }
        return S2SAcceptState(configuration: configuration)
    }

    func header(to: String? = "b.test", from: String? = "a.test", version: String? = "1.0", namespace: String = XMPPNamespace.server)
        -> XMLStreamEvent
    {
        var attributes: [XMLAttribute] = []
        if let to { attributes.append(XMLAttribute("to", value: to)) }
        if let from { attributes.append(XMLAttribute("from", value: from)) }
        if let version { attributes.append(XMLAttribute("version", value: version)) }
        return .streamStart(
            XMLStreamHeader(
                name: "stream", namespace: XMPPNamespace.streams, prefix: "stream", attributes: attributes,
                namespaceDeclarations: [XMLNamespaceDeclaration(prefix: nil, uri: namespace)]))
    }

    func condition(_ actions: [S2SAcceptState.Action]) -> StreamError.Condition? {
        for case .close(let error?) in actions { return error.condition }
        return nil
    }

    func sent(_ actions: [S2SAcceptState.Action]) -> String {
        actions.map { action in
            switch action {
            case .send(let bytes), .sendAndStartTLS(let bytes), .sendAndRestart(let bytes): String(decoding: bytes, as: UTF8.self)
            default: ""
            }
        }.joined()
    }

    @Test func headerRefusals() {
        var state = makeState()
        #expect(condition(state.received(header(to: "elsewhere.test"))) == .hostUnknown)
        state = makeState()
        #expect(condition(state.received(header(namespace: XMPPNamespace.client))) == .invalidNamespace)
        state = makeState()
        #expect(condition(state.received(header(version: nil))) == .unsupportedVersion)
        state = makeState()
        // Our own domain cannot come from outside.
        #expect(condition(state.received(header(from: "b.test"))) == .policyViolation)
    }

    @Test func beforeTLSOnlySTARTTLSIsOffered() {
        var state = makeState()
        let opened = sent(state.received(header()))
        #expect(opened.contains("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"))
        #expect(!opened.contains("urn:xmpp:features:dialback"))
        #expect(!opened.contains("EXTERNAL"))
        #expect(opened.contains("xmlns:db='jabber:server:dialback'"))
        // COMPAT: ejabberd reads stream-level and dialback elements by their prefixed names.
        #expect(opened.contains("<stream:features><starttls"))
        // A dialback request before TLS is a policy violation.
        let early = state.received(
            .element(
                XMLElement(
                    name: "result", namespace: XMPPNamespace.dialback,
                    attributes: [XMLAttribute("from", value: "a.test"), XMLAttribute("to", value: "b.test")], children: [.text("k")])))
        #expect(condition(early) == .policyViolation)
    }

    @Test func afterTLSExternalIsOfferedOnlyForACertificateNamingTheSender() {
        var state = makeState()
        _ = state.received(header())
        _ = state.received(.element(XMLElement(name: "starttls", namespace: XMPPNamespace.tls)))
        state.tlsEstablished(certificateNames: .verified(S2SCertificateIdentities(dnsNames: ["*.test"])))
        let features = sent(state.received(header()))
        #expect(features.contains("<mechanism>EXTERNAL</mechanism>"))
        #expect(features.contains("<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"))
        // XEP-0178 §3: an authorization identity the certificate does not cover fails.
        let auth = XMLElement(
            name: "auth", namespace: XMPPNamespace.sasl, attributes: [XMLAttribute("mechanism", value: "EXTERNAL")],
            children: [.text(SASLEncoding.base64(Array("other.example".utf8)))])
        #expect(sent(state.received(.element(auth))).contains("<invalid-authzid/>"))
        #expect(state.authenticated.isEmpty)
    }

    @Test func answersVerificationsAsTheAuthoritativeServer() {
        var state = makeState(requireTLS: false)
        _ = state.received(header(from: "c.test"))
        let key = DialbackKey.key(secret: "secret-of-b", receiving: "c.test", originating: "b.test", streamID: "their-stream")
        func verify(_ key: String, to: String = "b.test") -> String {
            sent(
                state.received(
                    .element(
                        XMLElement(
                            name: "verify", namespace: XMPPNamespace.dialback,
                            attributes: [
                                XMLAttribute("from", value: "c.test"), XMLAttribute("to", value: to), XMLAttribute("id", value: "their-stream"),
                            ], children: [.text(key)]))))
        }
        #expect(verify(key).hasPrefix("<db:verify from='b.test' to='c.test' id='their-stream' type='valid'"))
        #expect(verify(String(key.reversed())).contains("type='invalid'"))
        #expect(
            verify(key, to: "unknown.test")
                == "<db:verify from='unknown.test' to='c.test' id='their-stream' type='error'><error type='cancel'>"
                + "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:verify>")
    }

    func dialbackRequest(from: String, to: String = "b.test") -> XMLStreamEvent {
        .element(
            XMLElement(
                name: "result", namespace: XMPPNamespace.dialback,
                attributes: [XMLAttribute("from", value: from), XMLAttribute("to", value: to)], children: [.text("key")]))
    }

    /// An unauthenticated peer cannot make us check (look up, connect to) any number of
    /// domains: only its header's before anything is authenticated, and few at once.
    @Test func dialbackRequestsAreBounded() {
        var state = makeState(requireTLS: false)
        _ = state.received(header(from: "a.test"))
        #expect(condition(state.received(dialbackRequest(from: "other.test"))) == .invalidFrom)

        var anonymous = makeState(requireTLS: false)
        _ = anonymous.received(header(from: nil))
        var checks = 0
        for index in 0..<(S2SAcceptState.maximumPendingDialbacks + 3) {
            let actions = anonymous.received(dialbackRequest(from: "d\(index).test"))
            if case .verifyDialback? = actions.first { checks += 1 } else {
                #expect(sent(actions).contains("<resource-constraint"))
            }
        }
        #expect(checks == S2SAcceptState.maximumPendingDialbacks)
    }

    /// RFC 6120 §4.9.3.6 on every header, and §6.4.5's bounded SASL attempts.
    @Test func restartsAreCheckedAgainAndSASLAttemptsAreBounded() {
        var state = makeState()
        _ = state.received(header())
        _ = state.received(.element(XMLElement(name: "starttls", namespace: XMPPNamespace.tls)))
        state.tlsEstablished(certificateNames: .verified(S2SCertificateIdentities(dnsNames: ["a.test"])))
        #expect(condition(state.received(header(to: "elsewhere.test"))) == .hostUnknown)

        var tries = makeState()
        _ = tries.received(header())
        _ = tries.received(.element(XMLElement(name: "starttls", namespace: XMPPNamespace.tls)))
        tries.tlsEstablished(certificateNames: .none)
        _ = tries.received(header())
        let auth = XMLElement(
            name: "auth", namespace: XMPPNamespace.sasl, attributes: [XMLAttribute("mechanism", value: "EXTERNAL")],
            children: [.text("=")])
        for _ in 0..<3 { #expect(sent(tries.received(.element(auth))).contains("<failure")) }
        #expect(condition(tries.received(.element(auth))) == .policyViolation)
    }

    @Test func aStanzaBeforeAuthenticationEndsTheStream() {
        var state = makeState(requireTLS: false)
        _ = state.received(header())
        let stanza = XMLElement(
            name: "message", namespace: XMPPNamespace.server,
            attributes: [XMLAttribute("from", value: "x@a.test"), XMLAttribute("to", value: "y@b.test")])
        #expect(condition(state.received(.element(stanza))) == .invalidFrom)
        #expect(state.closingBytes(error: nil) != nil)
        #expect(state.isClosed)
    }
}
