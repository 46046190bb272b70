import Foundation
import Testing

@testable import ParleyCore

/// Locked new rooms, owner configuration, destruction and lists (XEP-0045 §9, §10) in the
/// room's value type.
@Suite("RoomState owner operations")
struct RoomOwnerTests {
    func locked() -> RoomFixture {
        var room = RoomFixture()
        room.state = RoomState(id: roomID("Dev"), owner: user("alice"), locked: true)
        return room
    }

    @Test func aLockedRoomAdmitsOnlyItsOwnerUntilTheOwnerConfiguresIt() throws {
        var room = locked()
        try room.join("alice", created: true)
        #expect(throws: RoomError.locked) { try room.join("bob") }
        // An admin's IRC-style configure does not unlock; the owner's form does.
        #expect(throws: RoomError.notAllowed) {
            _ = try room.state.configure(RoomConfiguration(), by: session("bob"), asOwner: true)
        }
        _ = try room.state.configure(room.state.configuration, by: session("alice"), asOwner: true)
        #expect(!room.state.isLocked)
        try room.join("bob")
        #expect(room.occupant("bob") != nil)
    }

    @Test func theOwnerConfiguresFromOutsideTheRoom() throws {
        var room = RoomFixture()
        try room.join("bob")
        var configuration = room.state.configuration
        configuration.membersOnly = true
        let effects = try room.state.configure(configuration, by: session("alice"), asOwner: true)
        #expect(room.state.configuration.membersOnly)
        #expect(deliveries(effects, in: room.state)[session("bob")] == [.configurationChanged(configuration, by: nil)])
    }

    @Test func destroyRemovesEveryOccupantAndTellsEachOnlyOfItself() throws {
        var room = RoomFixture()
        try room.join("alice", created: true)
        try room.join("bob")
        try room.join("bob", "phone", as: "bob")
        #expect(throws: RoomError.notAllowed) { _ = try room.state.destroy(by: session("bob"), reason: nil, alternate: nil) }
        let effects = try room.state.destroy(by: session("alice"), reason: "done", alternate: "new@conference.example.org")
        #expect(room.state.isEmpty)
        #expect(room.state.sessions.isEmpty)
        let delivered = deliveries(effects, in: room.state)
        #expect(delivered.keys.count == 3)
        for (who, events) in delivered {
            #expect(events.count == 1)
            guard case .occupantLeft(let occupant, .destroyed("done", "new@conference.example.org"))? = events.first else {
                Issue.record("\(who) was not told of the destruction")
                continue
            }
            #expect(occupant.sessions.contains(who))
        }
    }

    @Test func listsFollowXEP0045Permissions() throws {
        var room = RoomFixture()
        try room.join("alice", created: true)
        try room.join("bob")
        _ = try room.state.setAffiliation(.member, of: user("bob"), by: session("alice"), reason: nil)
        _ = try room.state.setAffiliation(.outcast, of: user("eve"), by: session("alice"), reason: nil)
        #expect(try room.state.list(.member, for: session("alice")).map(\.user) == [user("bob")])
        #expect(try room.state.list(.member, for: session("alice")).first?.nick == nick("bob"))
        #expect(try room.state.list(.outcast, for: session("alice")).map(\.user) == [user("eve")])
        #expect(try room.state.list(.moderator, for: session("alice")).map(\.nick) == [nick("alice")])
        #expect(throws: RoomError.notAllowed) { _ = try room.state.list(.member, for: session("bob")) }
        #expect(throws: RoomError.notAllowed) { _ = try room.state.list(.owner, for: session("bob")) }
        #expect(throws: RoomError.notAllowed) { _ = try room.state.list(.participant, for: session("bob")) }
    }
}
