import Foundation
import ParleyCore
import Synchronization
import Testing

/// Counters shared by the test minds.
private final class FanOutLog: Sendable {
    let renders = Mutex(0)
    let entries = Mutex<[String]>([])
}

/// A mind that renders each fanned-out event once per fan-out (counting renders) and defers
/// a "flush" to the end, as an adapter batching socket writes does.
private final class BatchingMind: SessionMind {
    final class Rendered {
        let text: String
        init(text: String) { self.text = text }
    }
    let protocolFamily = ProtocolFamily("batching-test")
    let log: FanOutLog
    let name: String

    init(name: String, log: FanOutLog) {
        self.name = name
        self.log = log
    }

    func deliver(_ event: ChatEvent) throws {
        log.entries.withLock { $0.append("\(name) single") }
    }

    func deliver(_ event: ChatEvent, fanOut: FanOut) throws {
        let message: Message
        switch event {
        case .room(_, .message(let sent, _)), .message(let sent): message = sent
        default: return try deliver(event)
        }
        let rendered = fanOut.memo(ObjectIdentifier(Rendered.self)) {
            log.renders.withLock { $0 += 1 }
            return Rendered(text: message.body ?? "")
        }
        log.entries.withLock { $0.append("\(name) got \(rendered.text)") }
        fanOut.atEnd { [name, log] in log.entries.withLock { $0.append("\(name) flush") } }
    }
}

@Suite("Chat service: fan-out")
struct FanOutTests {
    @Test func aRoomMessageIsRenderedOncePerFanOutAndFlushedAfterTheLastRecipient() async throws {
        let service = makeService()
        let log = FanOutLog()
        var sessions: [ChatSession] = []
        for index in 0..<5 {
            let mind = BatchingMind(name: "m\(index)", log: log)
            let session = try await service.openSession(for: user("u\(index)"), resource: "r", mind: mind)
            try await session.join(roomID("dev"), as: nick("n\(index)"))
            sessions.append(session)
        }
        log.entries.withLock { $0.removeAll() }
        log.renders.withLock { $0 = 0 }

        try await sessions[0].send(Message(kind: .room, from: .session(sessions[0].id), to: .room(roomID("dev")), body: "hello"))

        let entries = log.entries.withLock { $0 }
        #expect(log.renders.withLock { $0 } == 1)
        #expect(entries.filter { $0.hasSuffix("got hello") }.count == 5)
        let lastDelivery = try #require(entries.lastIndex { $0.hasSuffix("got hello") })
        let firstFlush = try #require(entries.firstIndex { $0.hasSuffix("flush") })
        #expect(firstFlush > lastDelivery, "deferred work runs after every recipient got the event: \(entries)")
        #expect(entries.filter { $0.hasSuffix("flush") }.count == 5)

        // A second message is a new fan-out: rendered again.
        try await sessions[1].send(Message(kind: .room, from: .session(sessions[1].id), to: .room(roomID("dev")), body: "again"))
        #expect(log.renders.withLock { $0 } == 2)
        await closeAll(sessions)
    }

    /// One message to many addresses (`ChatService.deliver(_:toEach:)`, what a pubsub node's
    /// event takes): each address gets its copy, rendered once per home executor (two here);
    /// a batch keeps each message's own fan-out and the order.
    @Test func oneMessageToManyAddressesIsRenderedOncePerExecutor() async throws {
        let service = makeService()
        let log = FanOutLog()
        var sessions: [ChatSession] = []
        for index in 0..<6 {
            let mind = BatchingMind(name: "m\(index)", log: log)
            sessions.append(try await service.openSession(for: user("u\(index)"), resource: "r", mind: mind))
        }
        let from = Address.user(UserID(localpart: "", domain: "pubsub.example.org"))
        let targets = sessions.map { Address.session($0.id) } + [.session(SessionID(user: user("gone"), resource: "x"))]
        let event = Message(kind: .headline, from: from, to: targets[0], body: "item 1")
        await service.deliver(event, toEach: targets)
        var entries = log.entries.withLock { $0 }
        #expect(entries.filter { $0.hasSuffix("got item 1") }.count == 6)
        let renders = log.renders.withLock { $0 }
        #expect(renders >= 1 && renders <= 2, "\(renders) renderings")

        log.entries.withLock { $0.removeAll() }
        var second = event
        second.body = "item 2"
        var third = event
        third.body = "item 3"
        await service.deliver([(second, Array(targets.prefix(3))), (third, Array(targets.prefix(2)))])
        entries = log.entries.withLock { $0 }.filter { $0.contains(" got ") }
        #expect(entries.filter { $0.hasSuffix("got item 2") }.count == 3)
        #expect(entries.filter { $0.hasSuffix("got item 3") }.count == 2)
        for name in ["m0", "m1"] {
            let mine = entries.filter { $0.hasPrefix(name + " ") }
            #expect(mine == ["\(name) got item 2", "\(name) got item 3"], "\(mine)")
        }
        await closeAll(sessions)
    }
}
