import ParleyXML
import ParleyXMPP
import Testing

/// A component that sends malformed XML, too much, or too fast, or that vanishes
/// mid-stanza is cut off with the right stream error; nothing else is disturbed.
@Suite(.serialized) struct RouterBadInputTests {
    /// Proves the router and another component still work after a cut-off.
    func expectOthersUndisturbed(_ server: RouterHarness, domain: String) async throws {
        try await server.waitForComponent(domain, attached: false)
        let web = try await server.component("web.example.test", secret: "w3b")
        let (alice, aliceJID) = try await server.user("bob", "bobpw")
        web.send("<message from='web.example.test' to='\(aliceJID)' type='chat'><body>fine</body></message>")
        let got = try await alice.element(where: "web's message") { $0.name == "message" }
        #expect(got.firstChild(named: "body")?.text == "fine")
    }

    @Test func malformedXMLIsNotWellFormed() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        bot.send("<message from='echo.example.test' to='alice@example.test'><body>x</bdoy></message>")
        try await bot.expectStreamError("not-well-formed")
        try await expectOthersUndisturbed(server, domain: "echo.example.test")
    }

    @Test func aCommentIsRestrictedXML() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        bot.send("<!-- hello -->")
        try await bot.expectStreamError("restricted-xml")
    }

    @Test func anOversizedStanzaIsAPolicyViolation() async throws {
        let server = try await RouterHarness(router: ["max-stanza": "4096"])
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        let body = String(repeating: "a", count: 8192)
        bot.send("<message from='echo.example.test' to='alice@example.test'><body>\(body)</body></message>")
        try await bot.expectStreamError("policy-violation")
        try await expectOthersUndisturbed(server, domain: "echo.example.test")
    }

    @Test func tooDeepIsAPolicyViolation() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        let open = String(repeating: "<a>", count: 64)
        bot.send("<message from='echo.example.test' to='alice@example.test'>\(open)")
        try await bot.expectStreamError("policy-violation")
    }

    @Test func aFloodIsAPolicyViolation() async throws {
        let server = try await RouterHarness(router: ["max-stanzas-per-second": "50"])
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        let other = try await server.component("other.example.test", secret: "0ther")
        let stanza = "<message from='echo.example.test' to='other.example.test' type='headline'><body>flood</body></message>"
        bot.send(String(repeating: stanza, count: 500))
        let text = try await bot.expectStreamError("policy-violation")
        #expect(text.contains("50 stanzas a second"))
        // The burst (one second's worth) went through; the rest did not.
        var received = 0
        other.send("<iq from='other.example.test' to='other.example.test' type='get' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")
        while try await other.element("messages, then the sync iq")[attribute: "id"] != "sync" { received += 1 }
        #expect(received >= 50 && received < 500, "\(received)")
        try await expectOthersUndisturbed(server, domain: "echo.example.test")
    }

    @Test func anUnknownTopLevelElementIsUnsupportedStanzaType() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        bot.send("<handshake>again</handshake>")
        try await bot.expectStreamError("unsupported-stanza-type")
    }

    @Test func disconnectingMidStanzaDetachesTheComponent() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        try await bot.sendAndWait("<message from='echo.example.test' to='alice@example.test' type='chat'><body>half")
        await bot.close()
        try await expectOthersUndisturbed(server, domain: "echo.example.test")
        // The domain is free for the component's next connection.
        _ = try await server.component()
    }
}
