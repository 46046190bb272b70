import ParleyCred
import ParleyXML
import ParleyXMPP
import Testing

/// XEP-0114 §2–§3 on a real listener: the stream header, the handshake and the refusals.
@Suite(.serialized) struct RouterHandshakeTests {
    @Test func aComponentWithTheRightSecretIsAttached() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let client = try await server.routerConnection()
        let header = try await client.openComponentStream("echo.example.test")
        #expect(header.defaultNamespace == XMPPNamespace.component)
        #expect(header.attribute("from") == "echo.example.test")
        let id = try #require(header.attribute("id"))
        #expect(id.count >= 16)
        client.send("<handshake>\(ComponentHandshake.digest(streamID: id, secret: "s3cret").uppercased())</handshake>")
        let answer = try await client.element("the handshake answer")
        #expect(answer.name == "handshake" && answer.children.isEmpty)
        try await server.waitForComponent("echo.example.test")
        // Every stream gets a fresh id.
        let second = try await server.routerConnection()
        let other = try await second.openComponentStream("web.example.test")
        #expect(other.attribute("id") != id)
    }

    @Test func aWrongSecretIsNotAuthorized() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let client = try await server.routerConnection()
        let answer = try await client.handshake("echo.example.test", secret: "wrong")
        #expect(answer.name == "error" && answer.firstChild(named: "not-authorized") != nil, "\(answer)")
        try await client.expectClosed()
        #expect(!server.chat.hasComponent(for: "echo.example.test"))
    }

    @Test func anUnknownDomainIsHostUnknown() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let client = try await server.routerConnection()
        client.send(
            "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='nobody.example.test'>")
        try await client.expectStreamError("host-unknown")
    }

    @Test func aClientNamespaceIsInvalidNamespace() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let client = try await server.routerConnection()
        client.send("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='echo.example.test'>")
        try await client.expectStreamError("invalid-namespace")
    }

    @Test func aStanzaBeforeTheHandshakeIsNotAuthorized() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let client = try await server.routerConnection()
        _ = try await client.openComponentStream("echo.example.test")
        client.send("<message from='echo.example.test' to='alice@example.test'><body>x</body></message>")
        try await client.expectStreamError("not-authorized")
    }

    @Test func noHandshakeInTimeIsConnectionTimeout() async throws {
        let server = try await RouterHarness(router: ["handshake-timeout": "0.5"])
        defer { Task { await server.stop() } }
        let client = try await server.routerConnection()
        _ = try await client.openComponentStream("echo.example.test")
        try await client.expectStreamError("connection-timeout")
    }

    @Test func aSecondComponentForAConnectedDomainIsRefusedAndTheFirstKeepsIt() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let first = try await server.component()
        let second = try await server.routerConnection()
        let answer = try await second.handshake("echo.example.test", secret: "s3cret")
        #expect(answer.name == "error" && answer.firstChild(named: "conflict") != nil, "\(answer)")
        let text = answer.firstChild(named: "text")?.text ?? ""
        #expect(text.contains("already connected"))
        try await second.expectClosed()

        // The first still routes both ways.
        let (alice, aliceJID) = try await server.user()
        alice.send("<message to='echo.example.test' type='chat' id='after'><body>still there?</body></message>")
        let got = try await first.element(where: "alice's message") { $0.name == "message" }
        #expect(got[attribute: "id"] == "after")
        first.send("<message from='echo.example.test' to='\(aliceJID)' type='chat'><body>yes</body></message>")
        let reply = try await alice.element(where: "the answer") { $0.name == "message" }
        #expect(reply.firstChild(named: "body")?.text == "yes")
    }

    @Test func theDomainIsFreeAgainAfterTheComponentLeaves() async throws {
        let server = try await RouterHarness()
        defer { Task { await server.stop() } }
        let first = try await server.component()
        first.send("</stream:stream>")
        try await first.expectClosed()
        try await server.waitForComponent("echo.example.test", attached: false)
        _ = try await server.component()
        try await server.waitForComponent("echo.example.test")
    }

    @Test func gracefulShutdownSendsSystemShutdown() async throws {
        let server = try await RouterHarness()
        let component = try await server.component()
        await server.stop()
        try await component.expectStreamError("system-shutdown")
    }
}
