import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP
import Synchronization
import Testing

@testable import XMPPC2SPlugin

/// An in-process component for these tests: echoes chat, answers every IQ get with an empty
/// result, grants subscriptions, and can be told to refuse everything.
final class TestComponent: ComponentHandler {
    let protocolFamily = ProtocolFamily.xmpp
    let link = Mutex<LocalComponentLink?>(nil)
    let refusing = Atomic<Bool>(false)
    struct Refused: Error {}

    func deliver(_ event: ChatEvent, to: Address) throws {
        if refusing.load(ordering: .relaxed) { throw Refused() }
        guard let link = link.withLock({ $0 }), let me = to.user else { return }
        let reply: ComponentTraffic? =
            switch event {
            case .message(let message) where message.kind == .chat:
                .message(Message(kind: .chat, from: to, to: message.from, body: "echo: \(message.body ?? "")"))
            case .query(let query) where query.kind == .get:
                .query(Query(id: query.id, kind: .result, from: to, to: SessionID(user: query.from.user!, resource: query.from.resourceName)))
            case .subscription(let from, .subscribe):
                .subscription(.subscribed, from: me, to: from)
            default:
                nil
            }
        if let reply { Task { try? await link.send(reply) } }
    }
}

extension Address {
    /// The session name of a session address; empty otherwise.
    var resourceName: String { if case .session(let session) = self { session.resource } else { "" } }
}

/// c2s clients and in-process components (XEP-0114's model without a socket).
@Suite(.serialized) struct C2SComponentTests {
    func serverWithComponent() async throws -> (C2SHarness, TestComponent) {
        let server = try await C2SHarness()
        let component = TestComponent()
        let link = try server.chat.attachComponent(domain: "echo.example.test", handler: component)
        component.link.withLock { $0 = link }
        return (server, component)
    }

    @Test func messagesAndIQsRoundTripThroughTheComponent() async throws {
        let (server, _) = try await serverWithComponent()
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        let me = try await alice.login("alice", "alicepw")
        alice.send("<message to='echo.example.test' type='chat' id='e1'><body>hi</body></message>")
        let echo = try await alice.element(where: "the echo") { $0.name == "message" }
        #expect(echo[attribute: "from"] == "echo.example.test")
        #expect(echo[attribute: "to"] == me.description)
        #expect(echo.firstChild(named: "body")?.text == "echo: hi")

        let result = try await alice.iq(
            "<iq type='get' id='d1' to='echo.example.test'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", id: "d1")
        #expect(result[attribute: "type"] == "result")
        #expect(result[attribute: "from"] == "echo.example.test")

        // XEP-0030 §4: the server lists the components attached to it.
        let items = try await alice.iq(
            "<iq type='get' id='i1' to='example.test'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>", id: "i1")
        #expect(items.firstChild(named: "query")?.elements.map { $0[attribute: "jid"] } == ["echo.example.test"])
    }

    @Test func unknownDomainsAndARefusingComponentGetTheRightErrors() async throws {
        let (server, component) = try await serverWithComponent()
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        try await alice.login("alice", "alicepw")

        alice.send("<message to='nobody.example.net' type='chat' id='n1'><body>x</body></message>")
        let noRoute = try await alice.element(where: "the bounce") { $0.name == "message" }
        #expect(noRoute[attribute: "type"] == "error")
        #expect(noRoute.firstChild(named: "error")?.firstChild(named: "remote-server-not-found") != nil)

        let iqError = try await alice.iq("<iq type='get' id='n2' to='nobody.example.net'><ping xmlns='urn:xmpp:ping'/></iq>", id: "n2")
        #expect(iqError.firstChild(named: "error")?.firstChild(named: "remote-server-not-found") != nil)

        component.refusing.store(true, ordering: .relaxed)
        alice.send("<message to='echo.example.test' type='chat' id='n3'><body>x</body></message>")
        let refused = try await alice.element(where: "the refusal") { $0.name == "message" }
        #expect(refused[attribute: "type"] == "error")
        #expect(refused.firstChild(named: "error")?.firstChild(named: "service-unavailable") != nil)
    }

    @Test func subscribingToAComponentDomainEndsInTo() async throws {
        let (server, _) = try await serverWithComponent()
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        try await alice.login("alice", "alicepw")
        _ = try await alice.iq("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>", id: "r1")
        alice.send("<presence type='subscribe' to='echo.example.test'/>")
        let granted = try await alice.element(where: "the grant") {
            $0.name == "presence" && $0[attribute: "type"] == "subscribed"
        }
        #expect(granted[attribute: "from"] == "echo.example.test")
        let roster = try await alice.iq("<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>", id: "r2")
        let item = roster.firstChild(named: "query")?.elements.first { $0[attribute: "jid"] == "echo.example.test" }
        #expect(item?[attribute: "subscription"] == "to")
    }
}
