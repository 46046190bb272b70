import ParleyCore
import Synchronization
import Testing

/// A test component: records what the service hands it, or refuses when told to.
final class RecordingComponent: ComponentHandler {
    let protocolFamily = ProtocolFamily.xmpp
    private let state = Mutex<(events: [(ChatEvent, Address)], failing: Bool)>(([], false))

    func deliver(_ event: ChatEvent, to: Address) throws {
        try state.withLock { state throws(MindUnreachable) in
            if state.failing { throw MindUnreachable() }
            state.events.append((event, to))
        }
    }

    var events: [(ChatEvent, Address)] { state.withLock { $0.events } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }
    func clear() { state.withLock { $0.events.removeAll() } }
}

@Suite("Components: routing to and from a component's domain")
struct ComponentRoutingTests {
    let echo = UserID(localpart: "", domain: "echo.example.com")

    struct World {
        let service: ChatService
        let component = RecordingComponent()
        let link: LocalComponentLink
        let alice: ChatSession
        let aliceMind = RecordingMind()

        init() async throws {
            service = makeService(contacts: InMemoryContactListStore())
            link = try service.attachComponent(domain: "echo.example.com", handler: component)
            alice = try await service.openSession(for: user("alice"), resource: "phone", mind: aliceMind)
            await alice.setPresence(Presence())
        }
    }

    @Test func attachingATakenOrTheServiceDomainIsRefused() throws {
        let service = makeService(contacts: InMemoryContactListStore())
        let first = RecordingComponent()
        let link = try service.attachComponent(domain: "Echo.Example.com", handler: first)
        #expect(link.domain == "echo.example.com")
        #expect(throws: ComponentAttachError.domainTaken("echo.example.com")) {
            try service.attachComponent(domain: "echo.example.com", handler: RecordingComponent())
        }
        #expect(throws: ComponentAttachError.reservedDomain("example.com")) {
            try service.attachComponent(domain: "example.com", handler: RecordingComponent())
        }
        #expect(service.componentDomains == ["echo.example.com"])
        link.detach()
        #expect(!service.hasComponent(for: "echo.example.com"))
        // Once detached, the domain is free again.
        _ = try service.attachComponent(domain: "echo.example.com", handler: RecordingComponent())
    }

    @Test func aUsersMessageReachesTheComponentAndTheReplyComesBack() async throws {
        let world = try await World()
        try await world.alice.send(Message(kind: .chat, from: .session(world.alice.id), to: .user(echo), body: "hi"))
        let received = world.component.events
        #expect(received.count == 1)
        guard case .message(let message)? = received.first?.0 else {
            Issue.record("no message: \(received)")
            return
        }
        #expect(received.first?.1 == .user(echo))
        #expect(message.from == .session(world.alice.id))
        #expect(message.body == "hi")
        #expect(message.timestamp != nil)

        try await world.link.send(Message(kind: .chat, from: .user(echo), to: message.from, body: "echo: hi"))
        #expect(world.aliceMind.messages.map(\.body) == ["echo: hi"])
        #expect(world.aliceMind.messages.first?.from == .user(echo))
        await world.alice.close()
    }

    @Test func aComponentCannotSendFromAnotherDomain() async throws {
        let world = try await World()
        let forged = Message(kind: .chat, from: .user(user("bob")), to: .user(user("alice")), body: "I am bob")
        await #expect(throws: DeliveryError.invalidSender("bob@example.com")) { try await world.link.send(forged) }
        await #expect(throws: DeliveryError.invalidSender("bob@example.com")) {
            try await world.link.sendSubscription(.subscribe, from: user("bob"), to: user("alice"))
        }
        #expect(world.aliceMind.messages.isEmpty)
        await world.alice.close()
    }

    @Test func unknownDomainsAreNotRoutableAndARefusingComponentIsUnavailable() async throws {
        let world = try await World()
        let nowhere = UserID(localpart: "", domain: "nowhere.example.net")
        await #expect(throws: DeliveryError.notRoutable("nowhere.example.net")) {
            try await world.alice.send(Message(from: .session(world.alice.id), to: .user(nowhere), body: "x"))
        }
        world.component.setFailing(true)
        await #expect(throws: DeliveryError.recipientUnavailable) {
            try await world.alice.send(Message(from: .session(world.alice.id), to: .user(echo), body: "x"))
        }
        world.link.detach()
        await #expect(throws: DeliveryError.notRoutable("echo.example.com")) {
            try await world.alice.send(Message(from: .session(world.alice.id), to: .user(echo), body: "x"))
        }
        await world.alice.close()
    }

    @Test func queriesGoBothWaysToOneSession() async throws {
        let world = try await World()
        let echoSession = SessionID(user: echo, resource: "")
        try await world.alice.send(Query(id: "q1", kind: .get, from: .session(world.alice.id), to: echoSession))
        guard case .query(let query)? = world.component.events.first?.0 else {
            Issue.record("no query")
            return
        }
        #expect(query.from == .session(world.alice.id))
        #expect(world.component.events.first?.1 == .session(echoSession))
        try await world.link.send(Query(id: "q1", kind: .result, from: .user(echo), to: world.alice.id))
        #expect(world.aliceMind.events.contains { if case .query(let q) = $0 { q.id == "q1" && q.kind == .result } else { false } })
        // A query to a user's bare address is not a session: nobody takes it.
        await #expect(throws: DeliveryError.recipientUnavailable) {
            try await world.link.send(
                Query(id: "q2", kind: .get, from: .user(echo), to: SessionID(user: user("alice"), resource: "")))
        }
        await world.alice.close()
    }

    @Test func aComponentSubscribesAndThenSeesTheUsersPresence() async throws {
        let world = try await World()
        // The component asks; alice's sessions hear the request.
        try await world.link.sendSubscription(.subscribe, from: echo, to: user("alice"))
        #expect(world.aliceMind.events.contains { $0 == .subscription(from: echo, .subscribe) })
        // alice approves: the component gets `subscribed` and her current presence (RFC 6121 §3.1.5).
        world.component.clear()
        try await world.alice.sendSubscription(.subscribed, to: echo)
        let afterApproval = world.component.events.map(\.0)
        #expect(afterApproval.contains(.subscription(from: user("alice"), .subscribed)))
        #expect(afterApproval.contains(.presence(from: world.alice.id, Presence())))
        // Her later presence changes reach it as a subscriber (§4.2.2, §4.4.2).
        world.component.clear()
        await world.alice.setPresence(Presence(.away, status: "lunch"))
        #expect(world.component.events.map(\.0) == [.presence(from: world.alice.id, Presence(.away, status: "lunch"))])
        #expect(world.component.events.first?.1 == .user(echo))
        // A probe is answered with each available session's presence (§4.3.2).
        world.component.clear()
        try await world.link.probe(user("alice"), from: echo)
        #expect(world.component.events.map(\.0) == [.presence(from: world.alice.id, Presence(.away, status: "lunch"))])
        // Going offline tells it too.
        world.component.clear()
        await world.alice.close()
        #expect(world.component.events.map(\.0) == [.presence(from: world.alice.id, .unavailable)])
    }

    @Test func aProbeFromAnUnsubscribedComponentLearnsNothing() async throws {
        let world = try await World()
        try await world.link.probe(user("alice"), from: echo)
        #expect(world.component.events.map(\.0) == [.subscription(from: user("alice"), .unsubscribed)])
        await world.alice.close()
    }

    @Test func aUserSubscribesToTheComponentAndProbesItAtLogin() async throws {
        let world = try await World()
        try await world.alice.sendSubscription(.subscribe, to: echo)
        #expect(world.component.events.map(\.0) == [.subscription(from: user("alice"), .subscribe)])
        try await world.link.sendSubscription(.subscribed, from: echo, to: user("alice"))
        let list = try await world.alice.contactList()
        #expect(list[echo].map { RFCState($0.subscription) } == .to)
        // The component's presence reaches alice as directed presence.
        let bot = SessionID(user: echo, resource: "")
        try await world.link.sendPresence(Presence(status: "echoing"), from: bot, to: .user(user("alice")))
        #expect(world.aliceMind.presences.contains { $0.0 == bot && $0.1.status == "echoing" })
        // A new session's initial presence probes the component (§4.2.2).
        world.component.clear()
        let laptop = try await world.service.openSession(for: user("alice"), resource: "laptop", mind: RecordingMind())
        await laptop.setPresence(Presence())
        #expect(world.component.events.contains { $0.0 == .probe(from: user("alice")) && $0.1 == .user(echo) })
        await closeAll([world.alice, laptop])
    }

    @Test func directedPresenceToTheComponent() async throws {
        let world = try await World()
        try await world.alice.sendDirectedPresence(Presence(.dnd), to: SessionID(user: echo, resource: ""))
        #expect(world.component.events.map(\.0) == [.presence(from: world.alice.id, Presence(.dnd))])
        #expect(world.component.events.first?.1 == .user(echo))
        await world.alice.close()
    }

    @Test func trafficRoundTripsThroughDeliveries() {
        let alice = SessionID(user: user("alice"), resource: "phone")
        let samples: [ComponentTraffic] = [
            .message(Message(from: .session(alice), to: .user(echo), body: "hi")),
            .presence(Presence(.away), from: alice, to: .user(echo)),
            .subscription(.subscribe, from: user("alice"), to: echo),
            .probe(from: user("alice"), to: echo),
            .query(Query(id: "1", kind: .get, from: .session(alice), to: SessionID(user: echo, resource: ""))),
        ]
        for traffic in samples {
            let (event, to) = traffic.delivery
            #expect(ComponentTraffic(event: event, to: to) == traffic)
            #expect(traffic.sender == user("alice"))
        }
        #expect(ComponentTraffic(event: .closed(.shutdown), to: .user(echo)) == nil)
    }
}
