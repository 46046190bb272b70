import Foundation
import Synchronization
import ParleyComponent
import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing

/// The XEP-0114 component client against a real accept side on 127.0.0.1 (a tiny server
/// in this test target that checks the handshake with ParleyCred's ComponentHandshake).
@Suite struct ComponentConnectorTests {
    let echo = UserID(localpart: "", domain: "echo.localhost")
    let alice = SessionID(user: UserID(localpart: "alice", domain: "localhost"), resource: "phone")

    func message(_ body: String, from: Address? = nil) -> Message {
        Message(kind: .chat, from: from ?? .user(echo), to: .session(alice), body: body)
    }

    @Test func theHandshakeThenStanzasBothWaysThenAClosingTag() async throws {
        let server = try await AcceptSideServer()
        let handler = RecordingHandler()
        let running = RunningConnector(makeConnector(server), handler: handler)
        try await eventually("the link") { handler.links == 1 }
        #expect(server.snapshot.accepted == 1)
        #expect(await running.connector.isAuthenticated)

        try await running.connector.send(message("hello"))
        try await server.waitUntil("the message") { $0.stanzas.count == 1 }
        let sent = server.snapshot.stanzas[0]
        #expect(sent.name == "message")
        #expect(sent.namespace == XMPPNamespace.component)
        #expect(sent[attribute: "from"] == "echo.localhost")
        #expect(sent[attribute: "to"] == "alice@localhost/phone")
        #expect(sent.childText("body") == "hello")

        try server.send("<message from='alice@localhost/phone' to='bot@echo.localhost' type='chat'><body>hi</body></message>")
        try await eventually("the delivery") { handler.messages.count == 1 }
        let (event, to) = handler.events[0]
        #expect(to == .user(UserID(localpart: "bot", domain: "echo.localhost")))
        guard case .message(let received) = event else {
            Issue.record("not a message: \(event)")
            return
        }
        #expect(received.body == "hi")
        #expect(received.from == .session(alice))

        // Graceful shutdown: </stream:stream>, the server answers, run returns.
        await running.stop()
        #expect(server.snapshot.closedByComponent == 1)
        #expect(server.snapshot.early.isEmpty)
        await #expect(throws: DeliveryError.recipientUnavailable) { try await running.connector.send(message("late")) }
        await server.stop()
    }

    @Test func stanzasQueuedBeforeTheHandshakeLeaveInOrderAfterIt() async throws {
        let server = try await AcceptSideServer()
        let connector = makeConnector(server)
        for index in 1...5 { try await connector.send(message("\(index)")) }
        #expect(await connector.queued == 5)
        let running = RunningConnector(connector, handler: RecordingHandler())
        try await server.waitUntil("five stanzas") { $0.stanzas.count == 5 }
        #expect(server.snapshot.stanzas.map { $0.childText("body") } == ["1", "2", "3", "4", "5"])
        #expect(server.snapshot.early.isEmpty, "nothing may be sent before the handshake")
        #expect(await connector.queued == 0)
        await running.stop()
        await server.stop()
    }

    @Test func observersHearWhenTheQueuePilesUpAndWhenItHasDrained() async throws {
        let server = try await AcceptSideServer()
        let connector = makeConnector(server) { $0.queueLimit = 8 }  // congested from 2 queued, clear at 0
        let heard = Mutex<[Bool]>([])
        connector.onCongestionChange { congested in heard.withLock { $0.append(congested) } }
        try await connector.send(message("1"))
        #expect(heard.withLock { $0 }.isEmpty)
        try await connector.send(message("2"))
        try await connector.send(message("3"))
        #expect(heard.withLock { $0 } == [true])
        let running = RunningConnector(connector, handler: RecordingHandler())
        try await server.waitUntil("three stanzas") { $0.stanzas.count == 3 }
        try await eventually("drained") { heard.withLock { $0 } == [true, false] }
        await running.stop()
        await server.stop()
    }

    @Test func aWrongSecretDeliversNothingBacksOffAndRetries() async throws {
        let server = try await AcceptSideServer(secret: "right")
        let handler = RecordingHandler()
        let running = RunningConnector(makeConnector(server, secret: "wrong"), handler: handler)
        try await running.connector.send(message("waiting"))
        try await server.waitUntil("three refused handshakes") { $0.handshakes >= 3 }
        #expect(server.snapshot.accepted == 0)
        #expect(server.snapshot.stanzas.isEmpty && server.snapshot.early.isEmpty)
        #expect(handler.links == 0)
        #expect(await running.connector.queued == 1)

        // The server's secret changes to the component's: the next attempt gets in.
        server.setSecret("wrong")
        try await eventually("the link") { handler.links == 1 }
        try await server.waitUntil("the queued stanza") { $0.stanzas.count == 1 }
        #expect(server.snapshot.stanzas[0].childText("body") == "waiting")
        await running.stop()
        await server.stop()
    }

    @Test func aDroppedConnectionReconnectsAndTheLinkIsEstablishedAgain() async throws {
        let server = try await AcceptSideServer()
        let handler = RecordingHandler()
        let running = RunningConnector(makeConnector(server), handler: handler)
        try await eventually("the first link") { handler.links == 1 }
        server.dropConnection()
        try await eventually("the second link") { handler.links == 2 }
        #expect(server.snapshot.connections == 2)
        #expect(await running.connector.handshakes == 2)
        try await running.connector.send(message("again"))
        try await server.waitUntil("the stanza after reconnecting") { $0.stanzas.count == 1 }
        await running.stop()
        await server.stop()
    }

    @Test func aRefusedConnectionIsRetriedWhileStanzasWait() async throws {
        // A port nobody listens on any more.
        let gone = try await AcceptSideServer()
        let port = gone.port
        await gone.stop()
        let handler = RecordingHandler()
        let connector = makeConnector(gone) { $0.port = port }
        let running = RunningConnector(connector, handler: handler)
        try await connector.send(message("patience"))
        try await eventually("three attempts") { await connector.attempts >= 3 }
        #expect(await connector.queued == 1)
        #expect(handler.links == 0)
        await running.stop()
    }

    @Test func beyondTheQueueLimitASendFailsAtOnce() async throws {
        let server = try await AcceptSideServer()
        let connector = makeConnector(server) { $0.queueLimit = 2 }
        try await connector.send(message("1"))
        try await connector.send(message("2"))
        await #expect(throws: DeliveryError.recipientUnavailable) { try await connector.send(message("3")) }
        #expect(await connector.queued == 2)
        await server.stop()
    }

    @Test func aSenderOutsideTheDomainIsRefused() async throws {
        let server = try await AcceptSideServer()
        let connector = makeConnector(server)
        let other = UserID(localpart: "alice", domain: "localhost")
        await #expect(throws: DeliveryError.invalidSender("alice@localhost")) {
            try await connector.send(message("spoof", from: .user(other)))
        }
        await #expect(throws: DeliveryError.invalidSender("other.localhost")) {
            try await connector.sendPresence(
                Presence(), from: SessionID(user: UserID(localpart: "", domain: "other.localhost"), resource: ""),
                to: .user(other))
        }
        await #expect(throws: DeliveryError.invalidSender("alice@localhost")) {
            try await connector.sendSubscription(.subscribed, from: other, to: echo)
        }
        await #expect(throws: DeliveryError.invalidSender("alice@localhost")) {
            try await connector.probe(echo, from: other)
        }
        #expect(await connector.queued == 0)
        // A sender on a subdomain is not on the domain either.
        await #expect(throws: DeliveryError.invalidSender("x.echo.localhost")) {
            try await connector.send(message("spoof", from: .user(UserID(localpart: "", domain: "x.echo.localhost"))))
        }
        await server.stop()
    }

    /// RFC 6120 §8.3: a bad stanza from the server gets an error reply, the handler's
    /// refusal gets service-unavailable, and errors are never answered.
    @Test func badOrRefusedStanzasGetErrorRepliesButErrorsDoNot() async throws {
        let server = try await AcceptSideServer()
        let handler = RecordingHandler()
        let running = RunningConnector(makeConnector(server), handler: handler)
        try await eventually("the link") { handler.links == 1 }

        // §8.2.3: a get with two children is bad-request.
        try server.send(
            "<iq type='get' id='q1' from='alice@localhost/phone' to='echo.localhost'>"
                + "<query xmlns='jabber:iq:version'/><query xmlns='jabber:iq:time'/></iq>")
        try await server.waitUntil("the bad-request reply") { $0.stanzas.count == 1 }
        let reply = server.snapshot.stanzas[0]
        #expect(reply.name == "iq")
        #expect(reply[attribute: "type"] == "error")
        #expect(reply[attribute: "id"] == "q1")
        #expect(reply[attribute: "from"] == "echo.localhost")
        #expect(reply[attribute: "to"] == "alice@localhost/phone")
        #expect(StanzaError(from: reply)?.condition == .badRequest)

        handler.setFailing(true)
        try server.send("<message from='alice@localhost/phone' to='echo.localhost' type='chat'><body>x</body></message>")
        try await server.waitUntil("the service-unavailable reply") { $0.stanzas.count == 2 }
        let refused = server.snapshot.stanzas[1]
        #expect(refused.name == "message" && refused[attribute: "type"] == "error")
        #expect(StanzaError(from: refused)?.condition == .serviceUnavailable)

        // Neither an error message, a refused presence nor a refused IQ result is answered;
        // the get after them is, so the replies before it would have come first.
        try server.send(
            "<message from='alice@localhost/phone' to='echo.localhost' type='error'><body>x</body></message>"
                + "<presence from='alice@localhost/phone' to='echo.localhost'/>"
                + "<iq type='result' id='q2' from='alice@localhost/phone' to='echo.localhost'/>"
                + "<iq type='get' id='q3' from='alice@localhost/phone' to='echo.localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
        try await server.waitUntil("the reply to the get") { $0.stanzas.count >= 3 }
        let last = server.snapshot.stanzas[2]
        #expect(server.snapshot.stanzas.count == 3)
        #expect(last.name == "iq" && last[attribute: "id"] == "q3" && last[attribute: "type"] == "error")
        #expect(handler.events.isEmpty)
        await running.stop()
        await server.stop()
    }

    @Test func malformedXMLFromTheServerEndsTheStreamWithAStreamErrorAndReconnects() async throws {
        let server = try await AcceptSideServer()
        let handler = RecordingHandler()
        let running = RunningConnector(makeConnector(server), handler: handler)
        try await eventually("the link") { handler.links == 1 }
        try server.send("<message from='a@localhost' to='echo.localhost'><body>x</bod></message>")
        try await server.waitUntil("the stream error") { !$0.streamErrors.isEmpty }
        #expect(server.snapshot.streamErrors == ["not-well-formed"])
        #expect(server.snapshot.closedByComponent == 1)
        try await eventually("the second link") { handler.links == 2 }
        #expect(handler.events.isEmpty)
        await running.stop()
        await server.stop()
    }

    @Test func stanzasWithoutAddressesEndTheStreamWithImproperAddressing() async throws {
        let server = try await AcceptSideServer()
        let handler = RecordingHandler()
        let running = RunningConnector(makeConnector(server), handler: handler)
        try await eventually("the link") { handler.links == 1 }
        try server.send("<message to='echo.localhost'><body>who?</body></message>")
        try await server.waitUntil("the stream error") { !$0.streamErrors.isEmpty }
        #expect(server.snapshot.streamErrors == ["improper-addressing"])
        try await eventually("the second link") { handler.links == 2 }
        await running.stop()
        await server.stop()
    }

    @Test func anIdleStreamGetsWhitespaceKeepalives() async throws {
        let server = try await AcceptSideServer()
        let handler = RecordingHandler()
        let running = RunningConnector(makeConnector(server) { $0.keepaliveInterval = 0.05 }, handler: handler)
        try await server.waitUntil("a keepalive") { $0.keepalives >= 2 }
        #expect(server.snapshot.stanzas.isEmpty)
        #expect(server.snapshot.connections == 1)
        await running.stop()
        await server.stop()
    }
}
