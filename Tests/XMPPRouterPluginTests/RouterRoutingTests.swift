import ParleyXML
import ParleyXMPP
import Testing

/// Stanzas between c2s users, the model and external components, and the errors for
/// destinations nobody serves.
@Suite(.serialized) struct RouterRoutingTests {
    @Test func aUserAndAComponentExchangeMessagesBothWays() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        let (alice, aliceJID) = try await server.user()

        let extensionXML = "<x xmlns='urn:example:parley:test' a='1'><item>v &amp; w</item></x>"
        alice.send("<message to='echo.example.test' type='chat' id='m1'><body>hi</body>\(extensionXML)</message>")
        let got = try await bot.element(where: "alice's message") { $0.name == "message" }
        #expect(got.namespace == XMPPNamespace.component)
        #expect(got[attribute: "from"] == aliceJID.description)
        #expect(got[attribute: "to"] == "echo.example.test")
        #expect(got[attribute: "id"] == "m1")
        #expect(got.firstChild(named: "body")?.text == "hi")
        let expected = try XMLStreamParser.parseDocument(extensionXML)
        #expect(got.firstChild(named: "x", namespace: "urn:example:parley:test") == expected)

        bot.send(
            "<message from='bot@echo.example.test/r' to='\(aliceJID)' type='chat' id='r1'><body>echo: hi</body>\(extensionXML)</message>"
        )
        let reply = try await alice.element(where: "the bot's reply") { $0.name == "message" }
        #expect(reply[attribute: "from"] == "bot@echo.example.test/r")
        #expect(reply.firstChild(named: "body")?.text == "echo: hi")
        #expect(reply.firstChild(named: "x", namespace: "urn:example:parley:test") == expected)
    }

    @Test func iqRequestsAndAnswersRouteBothWays() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        let (alice, aliceJID) = try await server.user()
        alice.send("<iq to='echo.example.test' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>")
        let request = try await bot.element(where: "the request") { $0.name == "iq" }
        #expect(request[attribute: "from"] == aliceJID.description && request[attribute: "type"] == "get")
        bot.send(
            "<iq from='echo.example.test' to='\(aliceJID)' type='result' id='v1'><query xmlns='jabber:iq:version'><name>bot</name></query></iq>"
        )
        let answer = try await alice.element(where: "the answer") { $0.name == "iq" && $0[attribute: "id"] == "v1" }
        #expect(answer[attribute: "type"] == "result")
        #expect(answer.firstChild(named: "query")?.firstChild(named: "name")?.text == "bot")
    }

    @Test func componentToComponentTakesTheFastPath() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let echo = try await server.component()
        let web = try await server.component("web.example.test", secret: "w3b")
        // An attribute the model has no field for survives only on the fast path, where the
        // parsed element is forwarded as it came.
        web.send(
            "<message from='status@web.example.test' to='echo.example.test' type='chat' id='c1' x-trace='42'><body>ping</body></message>"
        )
        let got = try await echo.element(where: "web's message") { $0.name == "message" }
        #expect(got[attribute: "from"] == "status@web.example.test")
        #expect(got[attribute: "x-trace"] == "42")
        #expect(got.firstChild(named: "body")?.text == "ping")
        echo.send("<iq from='echo.example.test' to='web.example.test' type='get' id='i1'><ping xmlns='urn:xmpp:ping'/></iq>")
        let iq = try await web.element(where: "echo's iq") { $0.name == "iq" }
        #expect(iq[attribute: "id"] == "i1" && iq[attribute: "from"] == "echo.example.test")
    }

    @Test func unknownDestinationsGetTheRightErrors() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        // A domain nobody serves: remote-server-not-found.
        bot.send("<message from='echo.example.test' to='x@nowhere.example' type='chat' id='e1'><body>?</body></message>")
        let e1 = try await bot.element(where: "error e1") { $0[attribute: "id"] == "e1" }
        #expect(e1[attribute: "type"] == "error" && StanzaError(from: e1)?.condition == .remoteServerNotFound)
        #expect(e1[attribute: "from"] == "x@nowhere.example" && e1[attribute: "to"] == "echo.example.test")
        // A configured component that is not connected is nowhere too.
        bot.send("<iq from='echo.example.test' to='web.example.test' type='get' id='e2'><ping xmlns='urn:xmpp:ping'/></iq>")
        let e2 = try await bot.element(where: "error e2") { $0[attribute: "id"] == "e2" }
        #expect(StanzaError(from: e2)?.condition == .remoteServerNotFound)
        // The router's own domain answers no requests; a user with no session is unavailable.
        bot.send("<iq from='echo.example.test' to='example.test' type='get' id='e3'><ping xmlns='urn:xmpp:ping'/></iq>")
        let e3 = try await bot.element(where: "error e3") { $0[attribute: "id"] == "e3" }
        #expect(StanzaError(from: e3)?.condition == .serviceUnavailable)
        bot.send("<message from='echo.example.test' to='bob@example.test' type='chat' id='e4'><body>?</body></message>")
        let e4 = try await bot.element(where: "error e4") { $0[attribute: "id"] == "e4" }
        #expect(StanzaError(from: e4)?.condition == .serviceUnavailable)
        // A malformed `to`: jid-malformed; a missing one: bad-request (COMPAT, as Prosody).
        bot.send("<message from='echo.example.test' to='a@b@c/' id='e5'><body>?</body></message>")
        let e5 = try await bot.element(where: "error e5") { $0[attribute: "id"] == "e5" }
        #expect(StanzaError(from: e5)?.condition == .jidMalformed)
        bot.send("<presence from='echo.example.test' id='e6'/>")
        let e6 = try await bot.element(where: "error e6") { $0[attribute: "id"] == "e6" }
        #expect(StanzaError(from: e6)?.condition == .badRequest)
        #expect(e6[attribute: "from"] == RouterHarness.domain)
        // Errors and answers are never answered (RFC 6120 §8.3.1): a ping proves nothing came.
        bot.send("<message from='echo.example.test' to='x@nowhere.example' type='error' id='n1'/>")
        bot.send("<iq from='echo.example.test' to='x@nowhere.example' type='result' id='n2'/>")
        bot.send("<iq from='echo.example.test' to='x@nowhere.example' type='get' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")
        let next = try await bot.element("the sync error")
        #expect(next[attribute: "id"] == "sync")
    }

    @Test func aStanzaWithoutFromIsStampedWithTheComponentDomain() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        let (alice, aliceJID) = try await server.user()
        bot.send("<message to='\(aliceJID)' type='chat'><body>no from</body></message>")
        let got = try await alice.element(where: "the message") { $0.name == "message" }
        #expect(got[attribute: "from"] == "echo.example.test")
    }

    @Test func aSpoofedFromIsInvalidFromAndOthersAreUndisturbed() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let web = try await server.component("web.example.test", secret: "w3b")
        let bot = try await server.component()
        let (alice, aliceJID) = try await server.user()
        bot.send("<message from='alice@example.test' to='bob@example.test' type='chat'><body>forged</body></message>")
        let text = try await bot.expectStreamError("invalid-from")
        #expect(text.contains("alice@example.test"))
        try await server.waitForComponent("echo.example.test", attached: false)
        // The other component still routes.
        web.send("<message from='web.example.test' to='\(aliceJID)' type='chat'><body>fine</body></message>")
        let got = try await alice.element(where: "web's message") { $0.name == "message" }
        #expect(got.firstChild(named: "body")?.text == "fine")
        // And a user's message to the cut-off domain finds no route.
        alice.send("<message to='echo.example.test' type='chat' id='gone'><body>?</body></message>")
        let error = try await alice.element(where: "the error") { $0[attribute: "id"] == "gone" }
        #expect(StanzaError(from: error)?.condition == .remoteServerNotFound)
    }
}
