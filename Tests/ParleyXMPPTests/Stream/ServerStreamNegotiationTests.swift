import ParleyCore
import ParleyCred
import ParleyXML
import Testing

@testable import ParleyXMPP

/// The server's stream negotiation (RFC 6120 §4–§7) without sockets: what each input
/// yields, in order.
@Suite struct ServerStreamNegotiationTests {
    @Test func theHappyPathFromHeaderToBoundStanzas() throws {
        var stream = makeStream()
        // §4.3.2: TLS is required first; no SASL before it.
        var actions = stream.receiveHeader(clientHeader())
        #expect(names(actions) == ["open", "send features/starttls"])
        let first = try #require(sent(actions).first)
        #expect(first.firstChild(named: "starttls", namespace: XMPPNamespace.tls)?.firstChild(named: "required") != nil)
        #expect(first.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl) == nil)

        actions = stream.receiveElement(try clientElement("<starttls xmlns='\(XMPPNamespace.tls)'/>"))
        #expect(names(actions) == ["send proceed", "startTLS", "restart"])
        #expect(stream.secure)

        actions = stream.receiveHeader(clientHeader())
        let second = try #require(sent(actions).first)
        #expect(second.firstChild(named: "starttls") == nil)
        let mechanisms = second.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl)?.elements.map(\.text)
        #expect(mechanisms == ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])

        actions = stream.receiveElement(try plainAuth("alice", "alicepw"))
        #expect(names(actions) == ["check"])
        guard case .checkCredentials(let credentials as UsernamePassword) = actions.first else {
            Issue.record("\(actions)")
            return
        }
        #expect(credentials == UsernamePassword(username: "alice", password: "alicepw"))

        actions = stream.receiveLogin(.success(aliceGranted))
        // §6.4.6: the parser restarts before the success goes out.
        #expect(names(actions) == ["acceptLogin", "restart", "send success"])
        #expect(stream.account?.description == "alice@example.test")

        actions = stream.receiveHeader(clientHeader())
        let third = try #require(sent(actions).first)
        #expect(third.firstChild(named: "bind", namespace: XMPPNamespace.bind) != nil)
        #expect(third.firstChild(named: "mechanisms") == nil)

        let bind = try clientElement(
            "<iq type='set' id='b1'><bind xmlns='\(XMPPNamespace.bind)'><resource>laptop</resource></bind></iq>")
        actions = stream.receiveElement(bind)
        #expect(names(actions) == ["bind laptop"])
        let jid = try #require(JID("alice@example.test/laptop"))
        actions = stream.receiveBind(.bound(jid))
        #expect(names(actions) == ["acceptSession", "send iq/bind"])
        let result = try #require(sent(actions).first)
        #expect(result[attribute: "id"] == "b1" && result[attribute: "type"] == "result")
        #expect(result.firstChild(named: "bind")?.firstChild(named: "jid")?.text == "alice@example.test/laptop")
        #expect(stream.boundJID == jid)

        actions = stream.receiveElement(try clientElement("<message to='bob@example.test' from='alice@example.test/laptop'/>"))
        #expect(names(actions) == ["stanza message"])
        // §4.4: the client's closing tag ends the session and our stream.
        #expect(names(stream.receiveStreamEnd()) == ["endSession", "close -"])
        #expect(stream.isClosed)
        #expect(stream.receiveElement(try clientElement("<presence/>")).isEmpty)
    }

    @Test func aGeneratedResourceWhenNoneIsAsked() throws {
        var stream = makeStream()
        try stream.authenticateAlice()
        let actions = stream.receiveElement(try clientElement("<iq type='set' id='b'><bind xmlns='\(XMPPNamespace.bind)'/></iq>"))
        guard case .bindResource(_, let resource) = actions.first else {
            Issue.record("\(actions)")
            return
        }
        #expect(resource.hasPrefix("parley-") && resource.count > "parley-".count)
    }

    @Test func authenticationBeforeRequiredTLSIsEncryptionRequired() throws {
        var stream = makeStream()
        _ = stream.receiveHeader(clientHeader())
        let actions = stream.receiveElement(try plainAuth("alice", "alicepw"))
        #expect(names(actions) == ["failed+delay", "send failure/encryption-required"])
        #expect(stream.account == nil)
    }

    @Test func plainIsRefusedOverAClearStreamUnlessAllowed() throws {
        var stream = makeStream(requireTLS: false)
        var actions = stream.receiveHeader(clientHeader())
        let offered = sent(actions).first?.firstChild(named: "mechanisms")?.elements.map(\.text) ?? []
        #expect(!offered.contains("PLAIN") && offered.contains("SCRAM-SHA-256"))
        actions = stream.receiveElement(try plainAuth("alice", "alicepw"))
        // §6.5.4: offered over TLS only, so encryption-required rather than invalid-mechanism.
        #expect(names(actions) == ["failed+delay", "send failure/encryption-required"])

        var allowed = makeStream(requireTLS: false, allowPlain: true)
        _ = allowed.receiveHeader(clientHeader())
        #expect(names(allowed.receiveElement(try plainAuth("alice", "alicepw"))) == ["check"])
    }

    @Test func anUnknownMechanismIsInvalidMechanism() throws {
        var stream = makeStream(secure: true)
        _ = stream.receiveHeader(clientHeader())
        let actions = stream.receiveElement(try clientElement("<auth xmlns='\(XMPPNamespace.sasl)' mechanism='X-MAGIC'>=</auth>"))
        #expect(names(actions) == ["failed+delay", "send failure/invalid-mechanism"])
    }

    @Test func failedLoginsCloseTheStreamAtTheLimitAndAbortsAreNotCounted() throws {
        var stream = makeStream(secure: true)
        _ = stream.receiveHeader(clientHeader())
        for attempt in 1...2 {
            _ = stream.receiveElement(try plainAuth("alice", "wrong\(attempt)"))
            let actions = stream.receiveLogin(.failure(.wrongPassword(Username("alice")!)))
            #expect(names(actions) == ["failed+delay", "send failure/not-authorized"], "attempt \(attempt)")
        }
        // §6.4.4: an abort answers <aborted/> and costs no attempt.
        let abort = stream.receiveElement(try clientElement("<abort xmlns='\(XMPPNamespace.sasl)'/>"))
        #expect(names(abort) == ["failed", "send failure/aborted"])
        _ = stream.receiveElement(try plainAuth("alice", "wrong3"))
        let last = stream.receiveLogin(.failure(.wrongPassword(Username("alice")!)))
        #expect(names(last) == ["failed+delay", "send failure/not-authorized", "close policy-violation"])
        #expect(stream.isClosed)
    }

    @Test func scramRunsThroughTheRecordAndTheCheck() throws {
        var stream = makeStream(secure: true)
        _ = stream.receiveHeader(clientHeader())
        var client = SCRAMClient(algorithm: .sha256, username: "alice", password: "alicepw")
        let first = SASLEncoding.base64(Array(client.clientFirst().utf8))
        var actions = stream.receiveElement(
            try clientElement("<auth xmlns='\(XMPPNamespace.sasl)' mechanism='SCRAM-SHA-256'>\(first)</auth>"))
        guard case .fetchSCRAMRecord(let user, let algorithm) = actions.first else {
            Issue.record("\(actions)")
            return
        }
        #expect(user.value == "alice" && algorithm == .sha256)
        let record = try SCRAMRecord.derive(password: "alicepw", iterations: 4096, algorithm: .sha256)
        actions = stream.receiveSCRAMRecord(.success(record))
        let challenge = try #require(sent(actions).first)
        #expect(challenge.name == "challenge")
        let serverFirst = String(decoding: SASLEncoding.decodeBase64(challenge.text) ?? [], as: UTF8.self)
        let final = SASLEncoding.base64(Array(try client.receiveServerFirst(serverFirst).utf8))
        actions = stream.receiveElement(try clientElement("<response xmlns='\(XMPPNamespace.sasl)'>\(final)</response>"))
        guard case .checkCredentials(let proof as SCRAMProof) = actions.first else {
            Issue.record("\(actions)")
            return
        }
        #expect(proof.username == "alice")
        actions = stream.receiveLogin(.success(aliceGranted))
        #expect(names(actions) == ["acceptLogin", "restart", "send success"])
        // RFC 5802 §5: the server proves it knows the keys too.
        let success = try #require(sent(actions).first)
        try client.receiveServerFinal(String(decoding: SASLEncoding.decodeBase64(success.text) ?? [], as: UTF8.self))
    }

    @Test func aResponseWithoutAnExchangeIsAPolicyViolation() throws {
        var stream = makeStream(secure: true)
        _ = stream.receiveHeader(clientHeader())
        let actions = stream.receiveElement(try clientElement("<response xmlns='\(XMPPNamespace.sasl)'>abc=</response>"))
        #expect(closingError(actions)?.condition == .policyViolation)
    }

    @Test func aRefusedBindIsAnsweredAndMayBeRetried() throws {
        var stream = makeStream()
        try stream.authenticateAlice()
        let bind = try clientElement(
            "<iq type='set' id='b1'><bind xmlns='\(XMPPNamespace.bind)'><resource>phone</resource></bind></iq>")
        _ = stream.receiveElement(bind)
        var actions = stream.receiveBind(.refused(StanzaError(.conflict, type: .cancel)))
        #expect(names(actions) == ["send iq/bind"])
        let reply = try #require(sent(actions).first)
        #expect(reply[attribute: "type"] == "error" && reply[attribute: "id"] == "b1")
        #expect(StanzaError(from: reply)?.condition == .conflict)
        #expect(stream.boundJID == nil)
        actions = stream.receiveElement(bind)
        #expect(names(actions) == ["bind phone"])
        #expect(names(stream.receiveBind(.bound(JID("alice@example.test/phone")!))) == ["acceptSession", "send iq/bind"])
    }

    @Test func anInvalidResourceIsBadRequest() throws {
        var stream = makeStream()
        try stream.authenticateAlice()
        let actions = stream.receiveElement(
            try clientElement("<iq type='set' id='b'><bind xmlns='\(XMPPNamespace.bind)'><resource></resource></bind></iq>"))
        #expect(names(actions) == ["send iq/bind"])
        #expect(StanzaError(from: try #require(sent(actions).first))?.condition == .badRequest)
    }

    @Test func stanzasBeforeAuthenticationOrBindingAreNotAuthorized() throws {
        var unauthenticated = makeStream()
        _ = unauthenticated.receiveHeader(clientHeader())
        var actions = unauthenticated.receiveElement(try clientElement("<message to='bob@example.test'><body>hi</body></message>"))
        #expect(names(actions) == ["close not-authorized"])

        var unbound = makeStream()
        try unbound.authenticateAlice()
        actions = unbound.receiveElement(try clientElement("<presence/>"))
        #expect(names(actions) == ["close not-authorized"])
        var sessionFirst = makeStream()
        try sessionFirst.authenticateAlice()
        actions = sessionFirst.receiveElement(
            try clientElement("<iq type='set' id='s'><session xmlns='\(XMPPNamespace.session)'/></iq>"))
        #expect(closingError(actions) == StreamError(.notAuthorized, text: "bind a resource first"))
    }

    @Test(arguments: [
        (clientHeader(contentNamespace: XMPPNamespace.server), StreamError.Condition.invalidNamespace),
        (clientHeader(root: ("stream", "urn:wrong")), .invalidNamespace),
        (clientHeader(to: "elsewhere.test"), .hostUnknown),
        (clientHeader(to: nil), .hostUnknown),
        (clientHeader(version: nil), .unsupportedVersion),
        (clientHeader(version: "2.0"), .unsupportedVersion),
    ])
    func aBadHeaderGetsOurHeaderThenItsStreamError(header: XMLStreamHeader, condition: StreamError.Condition) {
        var stream = makeStream()
        let actions = stream.receiveHeader(header)
        // §4.9.1.3: our header first, then the error, and nothing more.
        #expect(names(actions) == ["open", "close \(condition.rawValue)"])
        #expect(stream.isClosed)
    }

    @Test func anErrorBeforeAnyHeaderSendsOneFirst() {
        var stream = makeStream()
        let actions = stream.close(StreamError(.restrictedXML))
        #expect(names(actions) == ["close restricted-xml after header"])
        #expect(stream.close(StreamError(.reset)).isEmpty, "a stream closes once")
    }

    @Test func aSecondHeaderOnAnOpenStreamIsNotWellFormed() {
        var stream = makeStream()
        _ = stream.receiveHeader(clientHeader())
        #expect(names(stream.receiveHeader(clientHeader())) == ["close not-well-formed"])
    }

    @Test func theBoundStreamChecksFromAndStanzaNames() throws {
        var stream = makeStream()
        try stream.authenticateAlice()
        _ = stream.receiveElement(try clientElement("<iq type='set' id='b'><bind xmlns='\(XMPPNamespace.bind)'/></iq>"))
        _ = stream.receiveBind(.bound(JID("alice@example.test/laptop")!))
        #expect(names(stream.receiveElement(try clientElement("<iq from='alice@example.test' type='get' id='p'/>"))) == ["stanza iq"])
        var forged = stream
        #expect(names(forged.receiveElement(try clientElement("<message from='bob@example.test/x'/>"))) == ["close invalid-from"])
        var unknown = stream
        #expect(names(unknown.receiveElement(try clientElement("<foo/>"))) == ["close unsupported-stanza-type"])
    }

    @Test func answersArrivingAfterTheCloseAreReleased() throws {
        var login = makeStream(secure: true)
        _ = login.receiveHeader(clientHeader())
        _ = login.receiveElement(try plainAuth("alice", "alicepw"))
        _ = login.close(StreamError(.connectionTimeout))
        #expect(names(login.receiveLogin(.success(aliceGranted))) == ["refuseLogin"])

        var bind = makeStream()
        try bind.authenticateAlice()
        _ = bind.receiveElement(try clientElement("<iq type='set' id='b'><bind xmlns='\(XMPPNamespace.bind)'/></iq>"))
        bind.transportClosed()
        #expect(names(bind.receiveBind(.bound(JID("alice@example.test/x")!))) == ["refuseSession"])
    }

    @Test func registrationIsOfferedOverTLSOnlyAndRoutedBeforeLogin() throws {
        var clear = makeStream(requireTLS: false, registration: true)
        var actions = clear.receiveHeader(clientHeader())
        #expect(sent(actions).first?.firstChild(named: "register", namespace: XMPPNamespace.registerFeature) == nil)
        let get = try clientElement("<iq type='get' id='r'><query xmlns='\(XMPPNamespace.register)'/></iq>")
        actions = clear.receiveElement(get)
        #expect(StanzaError(from: try #require(sent(actions).first))?.condition == .serviceUnavailable)

        var secure = makeStream(registration: true, secure: true)
        actions = secure.receiveHeader(clientHeader())
        #expect(sent(actions).first?.firstChild(named: "register", namespace: XMPPNamespace.registerFeature) != nil)
        #expect(names(secure.receiveElement(get)) == ["register"])
    }

    @Test func webSocketFramingOpensWithOpenAndNeverOffersSTARTTLS() throws {
        var stream = makeStream(tls: true, framing: .webSocket, secure: true)
        let open = clientHeader(root: ("open", XMPPNamespace.framing))
        let actions = stream.receiveHeader(open)
        #expect(names(actions) == ["open", "send features/mechanisms"])
        var tcpHeader = makeStream(framing: .webSocket, secure: true)
        #expect(closingError(tcpHeader.receiveHeader(clientHeader()))?.condition == .invalidNamespace)
        // RFC 7395 §3.3: TLS is the WebSocket's own; a STARTTLS request fails.
        var clear = makeStream(tls: true, requireTLS: false, framing: .webSocket)
        #expect(sent(clear.receiveHeader(open)).first?.firstChild(named: "starttls") == nil)
        #expect(names(clear.receiveElement(try clientElement("<starttls xmlns='\(XMPPNamespace.tls)'/>"))) == ["send failure", "close -"])
    }

    @Test func aServerToServerStreamChecksItsOwnContentNamespace() throws {
        var stream = makeStream(contentNamespace: XMPPNamespace.server)
        #expect(names(stream.receiveHeader(clientHeader(contentNamespace: XMPPNamespace.server))) == ["open", "send features/starttls"])
        let early = try XMLStreamParser.parseDocument("<message xmlns='\(XMPPNamespace.server)' to='a@example.test'/>")
        #expect(names(stream.receiveElement(early)) == ["close not-authorized"])
        var clientStream = makeStream(contentNamespace: XMPPNamespace.server)
        #expect(closingError(clientStream.receiveHeader(clientHeader()))?.condition == .invalidNamespace)
    }
}
