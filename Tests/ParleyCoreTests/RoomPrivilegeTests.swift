import Foundation
import ParleyCore
import Testing

/// Owner, operator and voice in model terms (`RoomPrivilege`), applied through a room.
@Suite("Room privileges")
struct RoomPrivilegeTests {
    /// Applies `change` to bob, acting as alice (the owner).
    private func apply(_ change: MemberChange?, to room: inout RoomFixture) throws {
        switch change {
        case .role(let role)?: _ = try room.state.setRole(role, of: nick("bob"), by: session("alice"), reason: nil)
        case .affiliation(let affiliation)?:
            _ = try room.state.setAffiliation(affiliation, of: user("bob"), by: session("alice"), reason: nil)
        case nil: Issue.record("a change was expected")
        }
    }

    @Test func grantingAndRevokingThroughTheRoomGivesAndTakesThePrivilege() throws {
        for moderated in [false, true] {
            for privilege in RoomPrivilege.allCases {
                var configuration = RoomConfiguration()
                configuration.moderated = moderated
                var room = RoomFixture(configuration: configuration)
                try room.join("alice")
                try room.join("bob")
                var bob = try #require(room.occupant("bob"))
                #expect(!bob.has(privilege, moderated: moderated))
                try apply(bob.change(granting: true, privilege, moderated: moderated), to: &room)
                bob = try #require(room.occupant("bob"))
                #expect(bob.has(privilege, moderated: moderated), "\(privilege) moderated=\(moderated)")
                // Granting again changes nothing.
                #expect(bob.change(granting: true, privilege, moderated: moderated) == nil)
                try apply(bob.change(granting: false, privilege, moderated: moderated), to: &room)
                bob = try #require(room.occupant("bob"))
                #expect(!bob.has(privilege, moderated: moderated), "-\(privilege) moderated=\(moderated)")
            }
        }
    }

    @Test func whoMayModerate() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        try room.join("carol")
        #expect(try #require(room.occupant("alice")).mayModerate)
        #expect(try !#require(room.occupant("bob")).mayModerate)
        _ = try room.state.setRole(.moderator, of: nick("bob"), by: session("alice"), reason: nil)
        #expect(try #require(room.occupant("bob")).mayModerate)
        // An operator by role only shows as one, as an admin does.
        #expect(try #require(room.occupant("bob")).has(.operator, moderated: false))
        _ = try room.state.setAffiliation(.admin, of: user("carol"), by: session("alice"), reason: nil)
        #expect(try #require(room.occupant("carol")).mayModerate)
    }
}
