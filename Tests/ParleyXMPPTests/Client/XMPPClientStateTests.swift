import ParleyCore
import ParleyCred
import ParleyXML
import Testing

@testable import ParleyXMPP

/// The client stream machine against scripted server streams (RFC 6120 §5–§7), with the
/// SCRAM exchanges of RFC 5802 §5 and RFC 7677 §3 carried inside SASL elements.
@Suite struct XMPPClientStateTests {
    static let user = JID("user@example.test")!

    static func machine(requireTLS: Bool = true, plainInClear: Bool = false, nonce: String? = nil) -> XMPPClientState {
        XMPPClientState(
            settings: XMPPClientSettings(
                jid: user, password: "pencil", resource: "relay", requireTLS: requireTLS, allowPlainWithoutTLS: plainInClear),
            clientNonce: nonce)
    }

    static func features(_ inner: String) throws -> XMLStreamEvent {
        .element(try clientElement("<stream:features>\(inner)</stream:features>"))
    }

    static func mechanisms(_ names: String...) -> String {
        "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
            + names.map { "<mechanism>\($0)</mechanism>" }.joined() + "</mechanisms>"
    }

    static func sasl(_ name: String, _ text: String) throws -> XMLStreamEvent {
        .element(try clientElement("<\(name) xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(b64(text))</\(name)>"))
    }

    static func b64(_ text: String) -> String { SASLEncoding.base64(Array(text.utf8)) }

    static let serverHeader = XMLStreamEvent.streamStart(clientHeader(to: nil))

    /// The text of the one `.send` among `actions`, serialized.
    static func sent(_ actions: [XMPPClientAction]) -> [String] {
        actions.compactMap { action in
            guard case .send(let element) = action else { return nil }
            return String(decoding: element.serialized(inheritedNamespace: XMPPNamespace.client), as: UTF8.self)
        }
    }

    static func failure(_ actions: [XMPPClientAction]) -> (String, BackoffRetry)? {
        for case .fail(let reason, let retry) in actions { return (reason, retry) }
        return nil
    }

    @Test func opensTheStreamToTheAccountsDomain() {
        var state = Self.machine()
        guard case .write(let bytes)? = state.connected().first else { Issue.record("no header"); return }
        let header = String(decoding: bytes, as: UTF8.self)
        #expect(header.contains("to='example.test'") || header.contains("to='example.test'"))
        #expect(header.contains("version"))
        #expect(header.contains("jabber:client"))
        #expect(!header.contains("user@"))  // §4.7.1: no from before TLS
    }

    @Test("STARTTLS, SCRAM (RFC vectors), binding, initial presence", arguments: [RFCVectorCase.sha1, .sha256])
    func fullLogin(vector: RFCVectorCase) throws {
        var state = Self.machine(nonce: vector.clientNonce)
        _ = state.connected()
        #expect(state.received(Self.serverHeader).isEmpty)
        let tls = state.received(try Self.features("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"))
        #expect(Self.sent(tls) == ["<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"])
        #expect(state.received(.element(try clientElement("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"))) == [.startTLS])
        guard case .write(let secured)? = state.tlsEstablished().first else { Issue.record("no new header"); return }
        #expect(String(decoding: secured, as: UTF8.self).contains("user@example.test"))
        #expect(state.isSecure)
        _ = state.received(Self.serverHeader)
        let auth = state.received(try Self.features(Self.mechanisms(vector.mechanism, "PLAIN")))
        #expect(
            Self.sent(auth) == [
                "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='\(vector.mechanism)'>\(Self.b64(vector.clientFirst))</auth>"
            ])
        let response = state.received(try Self.sasl("challenge", vector.serverFirst))
        #expect(Self.sent(response) == ["<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Self.b64(vector.clientFinal))</response>"])
        let success = state.received(try Self.sasl("success", vector.serverFinal))
        #expect(success.first == .resetParser)
        guard case .write? = success.last else { Issue.record("no restart after success"); return }
        _ = state.received(Self.serverHeader)
        let bind = state.received(try Self.features("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"))
        #expect(Self.sent(bind).first?.contains("<resource>relay</resource>") == true)
        let result = try clientElement(
            "<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>user@example.test/relay-7</jid></bind></iq>")
        let online = state.received(.element(result))
        #expect(online.first == .online(JID("user@example.test/relay-7")!))
        #expect(Self.sent(online) == ["<presence/>"])
        #expect(state.jid?.resource == "relay-7")
    }

    /// A clear-stream client that has answered the vector's server-first.
    static func clientFinalSent(_ vector: RFCVectorCase) throws -> XMPPClientState {
        var state = Self.machine(requireTLS: false, nonce: vector.clientNonce)
        _ = state.connected()
        _ = state.received(Self.serverHeader)
        _ = state.received(try Self.features(Self.mechanisms(vector.mechanism)))
        _ = state.received(try Self.sasl("challenge", vector.serverFirst))
        return state
    }

    @Test func aForgedServerSignatureFailsTheLogin() throws {
        let vector = RFCVectorCase.sha1
        var state = try Self.clientFinalSent(vector)
        let forged = state.received(try Self.sasl("success", "v=" + SASLEncoding.base64([UInt8](repeating: 1, count: 20))))
        #expect(Self.failure(forged)?.1 == .longest)
        #expect(Self.failure(forged)?.0.contains("signature") == true)
        #expect(state.isOver)
    }

    @Test func serverFinalAsALastChallengeIsCheckedThenAnsweredEmpty() throws {
        let vector = RFCVectorCase.sha256
        var state = try Self.clientFinalSent(vector)
        let empty = state.received(try Self.sasl("challenge", vector.serverFinal))
        #expect(Self.sent(empty) == ["<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</response>"])
        let success = state.received(.element(try clientElement("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")))
        #expect(success.first == .resetParser)
    }

    @Test func withoutSTARTTLSARequiringClientRefusesToLogIn() throws {
        var state = Self.machine()
        _ = state.connected()
        _ = state.received(Self.serverHeader)
        let actions = state.received(try Self.features(Self.mechanisms("SCRAM-SHA-1", "PLAIN")))
        #expect(Self.sent(actions).isEmpty)
        #expect(Self.failure(actions)?.1 == .longest)
    }

    @Test("PLAIN is used in the clear only when allowed", arguments: [false, true])
    func plainInTheClear(allowed: Bool) throws {
        var state = Self.machine(requireTLS: false, plainInClear: allowed)
        _ = state.connected()
        _ = state.received(Self.serverHeader)
        let actions = state.received(try Self.features(Self.mechanisms("PLAIN")))
        if allowed {
            #expect(Self.sent(actions) == ["<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(SASLEncoding.base64(Array("\0user\0pencil".utf8)))</auth>"])
        } else {
            #expect(Self.failure(actions)?.0.contains("PLAIN is not used without TLS") == true)
        }
    }

    @Test func mechanismPreference() {
        #expect(XMPPClientState.mechanism(offered: ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"], secure: true, allowPlainWithoutTLS: false) == "SCRAM-SHA-256")
        #expect(XMPPClientState.mechanism(offered: ["PLAIN", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"], secure: false, allowPlainWithoutTLS: false) == "SCRAM-SHA-1")
        #expect(XMPPClientState.mechanism(offered: ["PLAIN"], secure: true, allowPlainWithoutTLS: false) == "PLAIN")
        #expect(XMPPClientState.mechanism(offered: ["DIGEST-MD5", "SCRAM-SHA-1-PLUS"], secure: true, allowPlainWithoutTLS: true) == nil)
    }

    @Test func aSASLFailureIsARefusal() throws {
        var state = Self.machine(requireTLS: false)
        _ = state.connected()
        _ = state.received(Self.serverHeader)
        _ = state.received(try Self.features(Self.mechanisms("SCRAM-SHA-1")))
        let actions = state.received(
            .element(try clientElement("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>wrong</text></failure>")))
        #expect(Self.failure(actions)?.0 == "authentication failed: not-authorized (wrong)")
        #expect(Self.failure(actions)?.1 == .longest)
    }

    /// A client logged in with PLAIN over a clear stream, for the online tests.
    static func online() throws -> XMPPClientState {
        var state = Self.machine(requireTLS: false, plainInClear: true)
        _ = state.connected()
        _ = state.received(Self.serverHeader)
        _ = state.received(try Self.features(Self.mechanisms("PLAIN")))
        _ = state.received(.element(try clientElement("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")))
        _ = state.received(Self.serverHeader)
        _ = state.received(try Self.features("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"))
        _ = state.received(.element(try clientElement(
            "<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>user@example.test/r</jid></bind></iq>")))
        return state
    }

    @Test func onlinePingsAreAnsweredUnknownRequestsRefusedTheRestDelivered() throws {
        var state = try Self.online()
        #expect(state.jid != nil)
        let ping = state.received(.element(try clientElement("<iq type='get' id='p1' from='example.test'><ping xmlns='urn:xmpp:ping'/></iq>")))
        #expect(Self.sent(ping) == ["<iq type='result' id='p1' to='example.test'/>"])
        let unknown = state.received(.element(try clientElement("<iq type='set' id='q' from='x@y'><query xmlns='urn:x'/></iq>")))
        #expect(Self.sent(unknown).first?.contains("service-unavailable") == true)
        let message = try clientElement("<message from='room@muc/a' type='groupchat'><body>hi</body></message>")
        #expect(state.received(.element(message)) == [.stanza(message)])
    }

    @Test func streamErrorsAndEndsFailWithTheRightRetry() throws {
        var shutdown = try Self.online()
        let error = try clientElement(
            "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>")
        #expect(Self.failure(shutdown.received(.element(error)))?.1 == .backoff)
        var conflict = try Self.online()
        let refused = try clientElement("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>")
        #expect(Self.failure(conflict.received(.element(refused)))?.1 == .longest)
        var ended = try Self.online()
        #expect(Self.failure(ended.received(.streamEnd))?.1 == .backoff)
        #expect(ended.received(.element(try clientElement("<message/>"))).isEmpty)  // over: ignored
    }

    @Test func aGracefulCloseWaitsForTheServersClosingTag() throws {
        var state = try Self.online()
        #expect(state.close() == [.write(Array("</stream:stream>".utf8))])
        #expect(state.received(.element(try clientElement("<message/>"))).isEmpty)
        #expect(state.received(.streamEnd) == [.closed])
        #expect(state.disconnected().isEmpty)  // no reconnect after our own close
    }

    @Test func aLostConnectionAsksForABackoff() throws {
        var state = try Self.online()
        #expect(state.disconnected() == [.fail(reason: "connection lost", retry: .backoff)])
    }

    @Test func aServerWithoutStreamVersionIsRefused() {
        var state = Self.machine()
        _ = state.connected()
        #expect(Self.failure(state.received(.streamStart(clientHeader(to: nil, version: nil))))?.1 == .longest)
    }
}

/// The RFC 5802 §5 and RFC 7677 §3 example exchanges (user "user", password "pencil").
struct RFCVectorCase: Sendable, CustomTestStringConvertible {
    var mechanism: String
    var clientNonce: String
    var clientFirst: String
    var serverFirst: String
    var clientFinal: String
    var serverFinal: String
    var testDescription: String { mechanism }

    static let sha1 = RFCVectorCase(
        mechanism: "SCRAM-SHA-1", clientNonce: "fyko+d2lbbFgONRv9qkxdawL",
        clientFirst: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
        serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        clientFinal: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
    static let sha256 = RFCVectorCase(
        mechanism: "SCRAM-SHA-256", clientNonce: "rOprNGfwEbeRWgbNEkqO",
        clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
        serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        clientFinal:
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
}
