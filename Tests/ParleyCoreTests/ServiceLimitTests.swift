import Foundation
import ParleyCore
import Testing

/// The bounds of `ChatServiceConfiguration`, enforced by the service and its rooms.
@Suite("Chat service: limits")
struct ServiceLimitTests {
    @Test func valuesOutsideTheirRangeAreClamped() {
        var configuration = ChatServiceConfiguration(domain: domain)
        #expect(configuration.maxRooms == 10_000)
        #expect(configuration.maxPersistentRooms == 1_000)
        #expect(configuration.maxOccupantsPerRoom == 1_000)
        configuration.maxRooms = 0
        configuration.maxPersistentRooms = -5
        configuration.maxOccupantsPerRoom = 10_000_000
        configuration.maxSessionsPerUser = 0
        configuration.maxRoomsPerSession = 50_000
        #expect(configuration.maxRooms == ChatServiceConfiguration.roomsRange.lowerBound)
        #expect(configuration.maxPersistentRooms == 0)
        #expect(configuration.maxOccupantsPerRoom == ChatServiceConfiguration.occupantsPerRoomRange.upperBound)
        #expect(configuration.maxSessionsPerUser == 1)
        #expect(configuration.maxRoomsPerSession == 10_000)
        configuration.maxRooms = 7
        #expect(configuration.maxRooms == 7)
    }

    @Test func creatingARoomPastTheLimitFails() async throws {
        let service = makeService { $0.maxRooms = 2 }
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: RecordingMind())
        try await alice.join(roomID("one"), as: nick("alice"))
        try await alice.join(roomID("two"), as: nick("alice"))
        await #expect(throws: RoomError.roomLimitReached) { try await bob.join(roomID("three"), as: nick("bob")) }
        #expect(service.room(roomID("three")) == nil)
        // Joining a room that exists creates nothing.
        try await bob.join(roomID("two"), as: nick("bob"))
        // A room that empties gives its place back.
        await alice.leave(roomID("one"))
        try await bob.join(roomID("three"), as: nick("bob"))
        await closeAll([alice, bob])
    }

    @Test func persistentRoomsAreCountedApart() async throws {
        let service = makeService {
            $0.maxPersistentRooms = 1
            $0.maxRooms = 10
        }
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        try await alice.join(roomID("one"), as: nick("alice"))
        try await alice.join(roomID("two"), as: nick("alice"))
        var persistent = RoomConfiguration()
        persistent.persistent = true
        try await alice.configure(roomID("one"), persistent)
        await #expect(throws: RoomError.roomLimitReached) { try await alice.configure(roomID("two"), persistent) }
        #expect(await service.room(roomID("two"))?.snapshot.configuration.persistent == false)
        // Room one stops being persistent: two may take its place.
        try await alice.configure(roomID("one"), RoomConfiguration())
        try await alice.configure(roomID("two"), persistent)
        #expect(await service.room(roomID("two"))?.snapshot.configuration.persistent == true)
        await closeAll([alice])
    }

    @Test func newRoomsThatStartPersistentNeedAPersistentPlace() async throws {
        let service = makeService {
            $0.maxPersistentRooms = 0
            $0.roomDefaults.persistent = true
        }
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        await #expect(throws: RoomError.roomLimitReached) { try await alice.join(roomID("one"), as: nick("alice")) }
        await closeAll([alice])
    }

    @Test func theServiceCapsOccupantsPerRoomForEveryone() async throws {
        let service = makeService { $0.maxOccupantsPerRoom = 2 }
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: RecordingMind())
        let carol = try await service.openSession(for: user("carol"), resource: "r", mind: RecordingMind())
        try await alice.join(roomID("dev"), as: nick("alice"))
        try await bob.join(roomID("dev"), as: nick("bob"))
        await #expect(throws: RoomError.full) { try await carol.join(roomID("dev"), as: nick("carol")) }
        // Even an admin, whom the room's own limit lets past.
        try await alice.setAffiliation(.admin, of: user("carol"), in: roomID("dev"))
        await #expect(throws: RoomError.full) { try await carol.join(roomID("dev"), as: nick("carol")) }
        // A second session of an occupant is no new occupant.
        let bob2 = try await service.openSession(for: user("bob"), resource: "other", mind: RecordingMind())
        try await bob2.join(roomID("dev"), as: nick("bob"))
        await closeAll([alice, bob, carol, bob2])
    }

    @Test func roomStateCapsOccupants() throws {
        var state = RoomState(id: roomID("dev"), owner: user("alice"), maxOccupants: 1)
        _ = try state.join(session: session("alice"), nick: nick("alice"), password: nil, presence: Presence(), now: Date())
        #expect(throws: RoomError.full) {
            try state.join(session: session("bob"), nick: nick("bob"), password: nil, presence: Presence(), now: Date())
        }
    }
}
