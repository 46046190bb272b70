import Foundation
import ParleyCore
import Testing

/// A room becoming moderated (XEP-0045 §8.3/§8.4 voice; IRC ±m).
@Suite("RoomState: moderation")
struct RoomModerationTests {
    /// alice (owner), bob (member), carol and dave (no affiliation) in an unmoderated room.
    private func room() throws -> RoomFixture {
        var room = RoomFixture()
        try room.join("alice")
        _ = try room.state.setAffiliation(.member, of: user("bob"), by: session("alice"), reason: nil)
        try room.join("bob")
        try room.join("carol")
        try room.join("dave")
        return room
    }

    private func moderated(_ on: Bool, _ room: RoomFixture) -> RoomConfiguration {
        var configuration = room.state.configuration
        configuration.moderated = on
        return configuration
    }

    @Test func revokingVoiceSilencesParticipantsWithoutMembershipBeforeTheChange() throws {
        var room = try room()
        let carol = try #require(room.occupant("carol"))
        let effects = try room.state.configure(moderated(true, room), by: session("alice"), revokingVoice: true)
        #expect(room.occupant("carol")?.role == .visitor)
        #expect(room.occupant("dave")?.role == .visitor)
        #expect(room.occupant("bob")?.role == .participant)  // a member keeps its voice
        #expect(room.occupant("alice")?.role == .moderator)
        #expect(throws: RoomError.cannotSpeak) { try room.state.post(room.message("hi"), from: session("carol"), now: room.t0) }
        // Demotions first, named with their actor, then the configuration change.
        let events = deliveries(effects, in: room.state)[session("bob")] ?? []
        #expect(events.count == 3)
        #expect(events.first == .occupantChanged(old: carol, new: try #require(room.occupant("carol")), by: room.actor("alice")))
        #expect(events.last == .configurationChanged(room.state.configuration, by: room.actor("alice")))
    }

    @Test func liftingModerationGivesVoiceBackAfterTheChange() throws {
        var room = try room()
        _ = try room.state.configure(moderated(true, room), by: session("alice"), revokingVoice: true)
        _ = try room.state.setRole(.moderator, of: nick("dave"), by: session("alice"), reason: nil)
        let effects = try room.state.configure(moderated(false, room), by: session("alice"), revokingVoice: true)
        #expect(room.occupant("carol")?.role == .participant)
        #expect(room.occupant("dave")?.role == .moderator)  // only visitors change
        let events = deliveries(effects, in: room.state)[session("bob")] ?? []
        guard case .configurationChanged? = events.first, case .occupantChanged(_, let new, _)? = events.last else {
            Issue.record("the change first, then carol's voice")
            return
        }
        #expect(events.count == 2)
        #expect(new.nick == nick("carol"))
        _ = try room.state.post(room.message("back"), from: session("carol"), now: room.t0)
    }

    @Test func withoutRevokingVoiceRolesStay() throws {
        var room = try room()
        let effects = try room.state.configure(moderated(true, room), by: session("alice"))
        #expect(effects.count == 1)
        #expect(room.occupant("carol")?.role == .participant)
        // Newcomers enter as visitors (XEP-0045 §5.1.2).
        try room.join("erin")
        #expect(room.occupant("erin")?.role == .visitor)
    }

    @Test func aRefusedChangeDemotesNobody() throws {
        var room = try room()
        _ = try room.state.setRole(.moderator, of: nick("dave"), by: session("alice"), reason: nil)
        // A moderator who is not an admin may not reconfigure: nobody loses voice.
        #expect(throws: RoomError.notAllowed) {
            try room.state.configure(moderated(true, room), by: session("dave"), revokingVoice: true)
        }
        #expect(room.occupant("carol")?.role == .participant)
        #expect(!room.state.configuration.moderated)
    }
}
