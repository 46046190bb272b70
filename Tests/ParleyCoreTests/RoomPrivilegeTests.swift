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
        case .voice(let voiced)?: _ = try room.state.setVoice(voiced, of: nick("bob"), by: session("alice"))
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

    /// An IRC channel's creator (`RoomFounding.operator`) has the owner's rights but shows as
    /// an operator, until an owner is named explicitly; a MUC room's creator is its owner.
    @Test func anOperatorFounderShowsAsOperatorUntilMadeOwner() throws {
        var muc = RoomFixture()
        try muc.join("alice")
        let owner = try #require(muc.occupant("alice"))
        #expect(owner.has(.owner, moderated: false) && !owner.isOperatorFounder)

        var channel = RoomFixture(founding: .operator)
        try channel.join("alice")
        try channel.join("bob")
        var alice = try #require(channel.occupant("alice"))
        #expect(alice.isOperatorFounder && alice.affiliation == .owner)
        #expect(!alice.has(.owner, moderated: false))
        #expect(alice.has(.operator, moderated: false) && alice.mayModerate)
        // Its rights are the owner's: it names another operator (an admin).
        _ = try channel.state.setAffiliation(.admin, of: user("bob"), by: session("alice"), reason: nil)
        #expect(try #require(channel.occupant("bob")).has(.operator, moderated: false))
        // +q on itself makes the ownership explicit.
        #expect(alice.change(granting: true, .owner, moderated: false) == .affiliation(.owner))
        _ = try channel.state.setAffiliation(.owner, of: user("alice"), by: session("alice"), reason: nil)
        alice = try #require(channel.occupant("alice"))
        #expect(alice.has(.owner, moderated: false) && !alice.isOperatorFounder)
        #expect(channel.state.operatorFounder == nil)
    }

    /// `-o` on an operator founder takes all it had.
    @Test func deoppingAnOperatorFounderLeavesNoAffiliation() throws {
        var channel = RoomFixture(founding: .operator)
        try channel.join("alice")
        let alice = try #require(channel.occupant("alice"))
        #expect(alice.change(granting: false, .operator, moderated: false) == .affiliation(.none))
        #expect(alice.change(granting: false, .owner, moderated: false) == nil)
    }

    /// IRC `+v` and `+o` on one member: both show (`@+`), and taking `+o` leaves `+`.
    @Test func anOperatorKeepsItsVoice() throws {
        for moderated in [false, true] {
            var configuration = RoomConfiguration()
            configuration.moderated = moderated
            var room = RoomFixture(configuration: configuration)
            try room.join("alice")
            try room.join("bob")
            var bob = try #require(room.occupant("bob"))
            try apply(bob.change(granting: true, .voice, moderated: moderated), to: &room)
            bob = try #require(room.occupant("bob"))
            try apply(bob.change(granting: true, .operator, moderated: moderated), to: &room)
            bob = try #require(room.occupant("bob"))
            #expect(bob.has(.operator, moderated: moderated) && bob.has(.voice, moderated: moderated), "moderated=\(moderated)")
            try apply(bob.change(granting: false, .operator, moderated: moderated), to: &room)
            bob = try #require(room.occupant("bob"))
            #expect(!bob.has(.operator, moderated: moderated) && bob.has(.voice, moderated: moderated), "moderated=\(moderated)")

            // Voice given to an operator sits beside it, and can be taken alone.
            try apply(bob.change(granting: true, .operator, moderated: moderated), to: &room)
            bob = try #require(room.occupant("bob"))
            try apply(bob.change(granting: false, .voice, moderated: moderated), to: &room)
            bob = try #require(room.occupant("bob"))
            #expect(bob.has(.operator, moderated: moderated) && !bob.has(.voice, moderated: moderated))
            try apply(bob.change(granting: true, .voice, moderated: moderated), to: &room)
            #expect(try #require(room.occupant("bob")).has(.voice, moderated: moderated))
        }
    }
}
