import EchoPlugin
import Foundation
import Logging
import ParleyComponent
import ParleyCore
import ParleyLauncher
import ParleyXML
import ParleyXMPP
import ServiceLifecycle
import Testing

/// The same EchoBot, in process (attached to a chat service, no socket) and external
/// (through the XEP-0114 connector): it answers `echo: hi` either way.
@Suite struct EchoBotTests {
    @Test func inProcessAUsersHiComesBackAsEchoHi() async throws {
        let context = makeContext()
        let host = ComponentHost(
            placement: ComponentPlacement(domain: "echo.localhost", mode: .inProcess), context: context
        ) { link in EchoBot(link: link) }
        let group = ServiceGroup(services: [host], logger: quietLogger())
        let running = Task { try await group.run() }
        try await eventually("the component") { context.chat.hasComponent(for: "echo.localhost") }

        let alice = UserID(localpart: "alice", domain: "localhost")
        let mind = RecordingMind()
        let session = try await context.chat.openSession(for: alice, resource: "phone", mind: mind)
        await session.setPresence(Presence())
        let echo = UserID(localpart: "", domain: "echo.localhost")
        try await session.send(Message(kind: .chat, from: .session(session.id), to: .user(echo), body: "hi"))
        try await eventually("the echo") { !mind.messages.isEmpty }
        let reply = mind.messages[0]
        #expect(reply.body == "echo: hi")
        #expect(reply.from == .user(echo))
        #expect(reply.kind == .chat)
        // Errors and headlines are never answered (two bots cannot loop).
        try await session.send(Message(kind: .headline, from: .session(session.id), to: .user(echo), body: "news"))
        try await session.send(Message(kind: .chat, from: .session(session.id), to: .user(echo), body: "again"))
        try await eventually("the second echo") { mind.messages.count >= 2 }
        #expect(mind.messages.map(\.body) == ["echo: hi", "echo: again"])

        await session.close()
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(!context.chat.hasComponent(for: "echo.localhost"))
    }

    @Test func externalTheServersHiComesBackAsEchoHiAndASubscriptionIsGranted() async throws {
        let server = try await AcceptSideServer()
        let connector = makeConnector(server)
        let running = RunningConnector(connector, handler: EchoBot(link: connector))
        try await server.waitUntil("the handshake") { $0.accepted == 1 }

        try server.send("<message from='alice@localhost/phone' to='echo.localhost' type='chat' id='m1'><body>hi</body></message>")
        try await server.waitUntil("the echo") { !$0.stanzas.isEmpty }
        let reply = server.snapshot.stanzas[0]
        #expect(reply.name == "message")
        #expect(reply[attribute: "from"] == "echo.localhost")
        #expect(reply[attribute: "to"] == "alice@localhost/phone")
        #expect(reply[attribute: "type"] == "chat")
        #expect(reply.childText("body") == "echo: hi")

        try server.send("<presence type='subscribe' from='alice@localhost' to='echo.localhost'/>")
        try await server.waitUntil("the grant and the presence") { $0.stanzas.count >= 3 }
        let (granted, presence) = (server.snapshot.stanzas[1], server.snapshot.stanzas[2])
        #expect(granted.name == "presence" && granted[attribute: "type"] == "subscribed")
        #expect(granted[attribute: "to"] == "alice@localhost" && granted[attribute: "from"] == "echo.localhost")
        #expect(presence.name == "presence" && presence[attribute: "type"] == nil)
        #expect(presence.childText("status") == "echoing")
        await running.stop()
        await server.stop()
    }
}
