import Foundation
import ParleyCore
import Testing

/// Ban masks as room operations (IRC +b, XEP-0045 §9.1 outcasts).
@Suite("RoomState: ban masks")
struct RoomBanTests {
    @Test func partialMasksAreCompleted() {
        #expect(RoomBan.normalize("bob") == "bob!*@*")
        #expect(RoomBan.normalize("bob@example.com") == "*!bob@example.com")
        #expect(RoomBan.normalize("bob!b") == "bob!b@*")
        #expect(RoomBan.normalize("bob!b@h") == "bob!b@h")
    }

    @Test func subjectIsNickUserDomain() {
        #expect(RoomBan.subject(nick: nick("Bob"), user: user("bob"), guest: false) == "Bob!bob@example.com")
        // A guest shows `~guest`, whatever its generated name.
        #expect(RoomBan.subject(nick: nick("zed"), user: user("anon-1234"), guest: true) == "zed!~guest@example.com")
        // …or `~` and the username it gave, as IRC shows it.
        #expect(
            RoomBan.subject(nick: nick("zed"), user: user("anon-1234"), guest: true, guestUsername: "zz")
                == "zed!~zz@example.com")
        #expect(RoomBan.subject(nick: nick("Bob"), user: user("bob"), guest: false, guestUsername: "x") == "Bob!bob@example.com")
    }

    /// A guest's own username is what a mask sees, in the room and at the door.
    @Test func aGuestsUsernameIsWhatMasksSee() throws {
        var room = RoomFixture()
        try room.join("alice")
        _ = try room.state.join(
            session: session("anon-1"), nick: nick("visitor"), password: nil, presence: Presence(), guest: true,
            guestUsername: "myname", now: room.t0)
        #expect(room.occupant("visitor")?.guestUsername == "myname")
        let (ban, _) = try room.state.addBan("*!~myname@*", by: session("alice"), now: room.t0)
        #expect(ban?.outcasts == [user("anon-1")])
        #expect(throws: RoomError.banned) {
            try room.state.join(
                session: session("anon-2"), nick: nick("other"), password: nil, presence: Presence(), guest: true,
                guestUsername: "myname", now: room.t0)
        }
        _ = try room.state.join(
            session: session("anon-3"), nick: nick("third"), password: nil, presence: Presence(), guest: true,
            guestUsername: "another", now: room.t0)
    }

    @Test func aGuestMaskMatchesGuestsOnly() throws {
        var room = RoomFixture()
        try room.join("alice")
        _ = try room.state.join(
            session: session("anon-1"), nick: nick("visitor"), password: nil, presence: Presence(), guest: true, now: room.t0)
        try room.join("bob")
        #expect(room.occupant("visitor")?.isGuest == true)
        #expect(room.occupant("bob")?.isGuest == false)
        let (ban, _) = try room.state.addBan("*!~guest@*", by: session("alice"), now: room.t0)
        #expect(ban?.outcasts == [user("anon-1")])
        #expect(room.occupant("bob") != nil)
        #expect(throws: RoomError.banned) {
            try room.state.join(
                session: session("anon-2"), nick: nick("other"), password: nil, presence: Presence(), guest: true, now: room.t0)
        }
    }

    @Test func addingAMaskOutcastsMatchingOccupantsAndTellsThemFirst() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        try room.join("carol")
        let bob = try #require(room.occupant("bob"))
        let sessionsBefore = Set(room.state.sessions)
        let (ban, effects) = try room.state.addBan("BOB", by: session("alice"), now: room.t0)
        let added = try #require(ban)
        #expect(added.mask == "BOB!*@*")
        #expect(added.setBy == "alice!alice@example.com")
        #expect(added.at == room.t0)
        #expect(added.outcasts == [user("bob")])
        #expect(room.state.bans == [added])
        // Everyone in the room at the time hears of the mask, bob included, before he goes.
        // The mask is announced as set, before it removes anyone.
        var announced = added
        announced.outcasts = []
        let listed = RoomEvent.banListChanged(announced, added: true, by: room.actor("alice"))
        let told = effects.compactMap { effect -> SessionID? in
            if case .to(let to, listed) = effect { to } else { nil }
        }
        #expect(Set(told) == sessionsBefore)
        let delivered = deliveries(effects, in: room.state)
        #expect(delivered[session("bob")]?.first == listed)
        #expect(delivered[session("bob")]?.last == .occupantLeft(bob, .banned(by: room.actor("alice"), reason: "Banned")))
        #expect(room.occupant("bob") == nil)
        #expect(room.state.affiliation(of: user("bob")) == .outcast)
        #expect(room.occupant("carol") != nil)
    }

    @Test func aMaskKeepsMatchingAddressesOut() throws {
        var room = RoomFixture()
        try room.join("alice")
        _ = try room.state.addBan("*!carol@*", by: session("alice"), now: room.t0)
        #expect(throws: RoomError.banned) { try room.join("carol") }
        #expect(throws: RoomError.banned) { try room.join("carol", as: "other") }
        // Matching is by address, not only by user: a nick mask keeps anyone out under it.
        _ = try room.state.addBan("spammer", by: session("alice"), now: room.t0)
        #expect(throws: RoomError.banned) { try room.join("dave", as: "SPAMMER") }
        try room.join("dave")
        #expect(room.state.isBanned(nick: nick("x"), user: user("carol")))
        #expect(!room.state.isBanned(nick: nick("x"), user: user("dave")))
    }

    @Test func aUserUnderTwoNicksIsOutcastOnce() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob", "laptop", as: "bob")
        try room.join("bob", "phone", as: "bobby")
        let (ban, _) = try room.state.addBan("*!bob@*", by: session("alice"), now: room.t0)
        #expect(ban?.outcasts == [user("bob")])
        #expect(room.occupant("bob") == nil && room.occupant("bobby") == nil)
        #expect(room.state.sessions.count == 1)
    }

    @Test func theSetterIsNeverRemovedByItsOwnMask() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        let (ban, _) = try room.state.addBan("*!*@*", by: session("alice"), now: room.t0)
        #expect(ban?.outcasts == [user("bob")])
        #expect(room.occupant("alice") != nil)
        #expect(room.occupant("bob") == nil)
    }

    @Test func onlyModeratorsAndAdminsManageBans() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        try room.join("carol")
        #expect(throws: RoomError.notAllowed) { try room.state.addBan("carol", by: session("bob"), now: room.t0) }
        #expect(throws: RoomError.notInRoom) { try room.state.addBan("carol", by: session("zed"), now: room.t0) }
        #expect(room.state.bans.isEmpty)
        // A moderator who is not an admin cannot outcast: the occupant is kicked, and the
        // mask keeps it out.
        _ = try room.state.setRole(.moderator, of: nick("bob"), by: session("alice"), reason: nil)
        let (ban, effects) = try room.state.addBan("carol", by: session("bob"), now: room.t0)
        #expect(ban?.outcasts == [])
        let carolSaw = deliveries(effects, in: room.state)[session("carol")]
        guard case .occupantLeft(_, .kicked(let by, "Banned"))? = carolSaw?.last else {
            Issue.record("carol must be kicked")
            return
        }
        #expect(by?.session == session("bob"))
        #expect(room.state.affiliation(of: user("carol")) == .none)
        #expect(throws: RoomError.banned) { try room.join("carol") }
    }

    @Test func theListIsBoundedAndWithoutDuplicates() throws {
        var room = RoomFixture()
        try room.join("alice")
        for index in 0..<RoomBan.maximumPerRoom {
            #expect(try room.state.addBan("n\(index)", by: session("alice"), now: room.t0).ban != nil)
        }
        // The same mask again (any case) is no change.
        let again = try room.state.addBan("N0!*@*", by: session("alice"), now: room.t0)
        #expect(again.ban == nil && again.effects.isEmpty)
        #expect(throws: RoomError.banListFull) { try room.state.addBan("one-more", by: session("alice"), now: room.t0) }
        #expect(room.state.bans.count == RoomBan.maximumPerRoom)
    }

    @Test func liftingAMaskGivesTheOutcastsTheirPlaceBack() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        _ = try room.state.addBan("bob", by: session("alice"), now: room.t0)
        #expect(throws: RoomError.banned) { try room.join("bob") }
        let (lifted, effects) = try room.state.removeBan("bob!*@*", by: session("alice"))
        #expect(lifted?.mask == "bob!*@*")
        #expect(room.state.bans.isEmpty)
        #expect(room.state.affiliation(of: user("bob")) == .none)
        #expect(deliveries(effects, in: room.state)[session("alice")] == [
            .banListChanged(try #require(lifted), added: false, by: room.actor("alice"))
        ])
        try room.join("bob")
        // Lifting a mask that is not listed changes nothing.
        let none = try room.state.removeBan("nobody", by: session("alice"))
        #expect(none.ban == nil && none.effects.isEmpty)
    }
}
