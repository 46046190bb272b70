import Foundation
import ParleyCore
import Testing

@Suite("Chat service: session lifecycle")
struct SessionLifecycleTests {
    let dev = roomID("dev")

    /// RFC 6121 §4.5.2 with XEP-0045 §7.14: unavailable presence leaves every room.
    @Test func unavailablePresenceLeavesRooms() async throws {
        let service = makeService()
        let aliceMind = RecordingMind(), bobMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        try await alice.join(dev, as: nick("alice"))
        try await bob.join(dev, as: nick("bob"))

        await bob.setPresence(Presence(.unavailable, status: "gone fishing"))
        #expect(bob.joinedRooms.isEmpty)
        guard case .occupantLeft(let gone, .disconnected(let status))? = aliceMind.roomEvents(dev).last else {
            Issue.record("alice was not told bob left: \(aliceMind.roomEvents(dev))")
            return
        }
        #expect(gone.nick == nick("bob"))
        #expect(status == "gone fishing")
        let occupants = await service.room(dev)?.snapshot.occupants.keys.map(\.key)
        #expect(occupants == ["alice"])
    }

    /// Closing a session with a text (IRC QUIT) leaves its rooms as `.disconnected(text)`;
    /// the service stopping stays `.shutdown`.
    @Test func closingWithAMessageIsDisconnected() async throws {
        let service = makeService()
        let aliceMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: RecordingMind())
        try await alice.join(dev, as: nick("alice"))
        try await bob.join(dev, as: nick("bob"))
        await bob.close(message: "Quit: bye")
        guard case .occupantLeft(let gone, .disconnected(let text))? = aliceMind.roomEvents(dev).last else {
            Issue.record("alice must see bob disconnect: \(aliceMind.roomEvents(dev))")
            return
        }
        #expect(gone.nick == nick("bob"))
        #expect(text == "Quit: bye")
        await alice.close(reason: .shutdown)
        #expect(await service.room(dev)?.snapshot.occupant(of: alice.id) == nil)
    }

    @Test func closedSessionCannotJoin() async throws {
        let service = makeService()
        let mind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: mind)
        await alice.close()
        await #expect(throws: RoomError.sessionClosed) {
            try await alice.join(dev, as: nick("alice"))
        }
        #expect(service.room(dev) == nil)
        #expect(mind.roomEvents(dev).isEmpty)
    }
}

/// A mind that notes, at each event it gets, which rooms its session counts as joined.
final class JoinedRoomsProbe: SessionMind, @unchecked Sendable {
    let protocolFamily = ProtocolFamily.xmpp
    private let lock = NSLock()
    private var sessionRef: ChatSession?
    private var seen: [Set<RoomID>] = []
    func watch(_ session: ChatSession) { lock.withLock { sessionRef = session } }
    var joinedAtEachEvent: [Set<RoomID>] { lock.withLock { seen } }
    func deliver(_ event: ChatEvent) throws {
        lock.withLock {
            if let sessionRef { seen.append(Set(sessionRef.joinedRooms)) }
        }
    }
}

@Suite("Chat service: joined rooms are known before the join is heard")
struct JoinOrderTests {
    /// The joiner's own presence in the room (what IRC renders as JOIN, NAMES and 366)
    /// comes after the session lists the room, so a WHOIS sent on seeing 366 finds it.
    @Test func theSessionListsTheRoomBeforeItsMindHearsTheJoin() async throws {
        let service = makeService()
        let probe = JoinedRoomsProbe()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: probe)
        probe.watch(alice)
        let dev = roomID("dev")
        _ = try await alice.join(dev, as: nick("alice"))
        #expect(!probe.joinedAtEachEvent.isEmpty)
        #expect(probe.joinedAtEachEvent.allSatisfy { $0.contains(dev) }, "\(probe.joinedAtEachEvent)")
        await alice.close()
    }
}
