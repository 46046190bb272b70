import Foundation
import Synchronization
import Testing

@testable import ParleyCore

/// Persistent rooms through the chat service: what changes is handed to the room store,
/// and a new service restores it.
@Suite("Chat service: persistent rooms")
struct RoomPersistenceTests {
    /// A room store in memory that counts its writes.
    final class MemoryRoomStore: RoomStore {
        let rooms = Mutex<[RoomID: PersistentRoom]>([:])
        let writes = Atomic<Int>(0)
        func loadRooms() throws -> [PersistentRoom] { rooms.withLock { Array($0.values) } }
        func save(_ room: PersistentRoom) throws {
            writes.add(1, ordering: .relaxed)
            rooms.withLock { $0[room.id] = room }
        }
        func removeRoom(_ id: RoomID) throws { _ = rooms.withLock { $0.removeValue(forKey: id) } }
    }

    let dev = roomID("Dev")

    /// A service on a fresh store where alice made `Dev` persistent (after setting `topic`).
    func persistentRoom(topic: String?) async throws -> (MemoryRoomStore, ChatService, ChatSession) {
        let store = MemoryRoomStore()
        let service = makeService(rooms: store)
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        try await alice.join(dev, as: nick("Alice"))
        if let topic { try await alice.setTopic(topic, in: dev) }
        var configuration = RoomConfiguration()
        configuration.persistent = true
        try await alice.configure(dev, configuration)
        return (store, service, alice)
    }

    @Test func aPersistentRoomIsWrittenOnChangeAndRestoredByANewService() async throws {
        let store = MemoryRoomStore()
        let service = makeService(rooms: store)
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        try await alice.join(dev, as: nick("Alice"))
        var configuration = RoomConfiguration()
        configuration.persistent = true
        configuration.name = "Development"
        try await alice.configure(dev, configuration)
        try await alice.setTopic("ship it", in: dev)
        try await alice.setAffiliation(.member, of: user("bob"), in: dev)
        await alice.leave(dev)
        // The empty persistent room stays.
        #expect(service.room(dev) != nil)
        await service.shutdown()
        let stored = try #require(store.rooms.withLock { $0[dev] })
        #expect(stored.configuration.name == "Development")
        #expect(stored.topic?.text == "ship it")
        #expect(stored.affiliations[user("bob")] == .member)
        #expect(stored.affiliations[user("alice")] == .owner)

        let restarted = makeService(rooms: store)
        #expect(try restarted.restoreRooms() == 1)
        let state = try #require(await restarted.room(dev)?.snapshot)
        #expect(state.record == stored)
        #expect(!state.isLocked && state.isEmpty)
        // Entering the restored room keeps its owner and subject.
        let again = try await restarted.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let snapshot = try await again.join(dev, as: nick("Alice"))
        #expect(snapshot.you.affiliation == .owner)
        #expect(snapshot.topic?.text == "ship it")
        await again.close()
    }

    @Test func aTemporaryRoomIsNeverWrittenAndARoomThatStopsBeingPersistentIsForgotten() async throws {
        let (store, service, alice) = try await persistentRoom(topic: "temporary")
        var configuration = RoomConfiguration()
        await service.shutdown()
        #expect(store.rooms.withLock { $0[dev] } != nil)
        configuration.persistent = false
        let alice2 = try await service.openSession(for: user("alice"), resource: "r2", mind: RecordingMind())
        try await alice2.join(dev, as: nick("Alice"))
        try await alice2.configure(dev, configuration)
        await service.shutdown()
        #expect(store.rooms.withLock { $0[dev] } == nil)
        await alice2.close()
    }

    @Test func destroyingAPersistentRoomRemovesItsRecord() async throws {
        let (store, service, alice) = try await persistentRoom(topic: nil)
        try await alice.destroy(dev, reason: "bye")
        await service.shutdown()
        #expect(store.rooms.withLock { $0.isEmpty })
        #expect(service.room(dev) == nil)
        await alice.close()
    }
}
