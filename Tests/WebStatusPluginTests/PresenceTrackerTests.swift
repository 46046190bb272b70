import ParleyCore
import Testing
import WebStatusPlugin

@Suite("web-status presence tracker")
struct PresenceTrackerTests {
    let alice = UserID(localpart: "alice", domain: "example.com")
    func session(_ resource: String) -> SessionID { SessionID(user: alice, resource: resource) }

    @Test func theSessionOfHighestPriorityWinsThenTheMostReachable() {
        var tracker = PresenceTracker()
        #expect(tracker.presence(of: alice).availability == .unavailable)
        tracker.update(session("phone"), Presence(.away, status: "on the move", priority: 5))
        tracker.update(session("laptop"), Presence(.dnd, status: "working", priority: 10))
        #expect(tracker.presence(of: alice).availability == .dnd)
        #expect(tracker.presence(of: alice).status == "working")
        // Equal priority: the more reachable one.
        tracker.update(session("phone"), Presence(.chat, status: "free", priority: 10))
        #expect(tracker.presence(of: alice).availability == .chat)
        #expect(tracker.sessionCount(of: alice) == 2)
    }

    @Test func unavailableRemovesASessionAndFromTheBareAddressAllOfThem() {
        var tracker = PresenceTracker()
        tracker.update(session("phone"), Presence(.away, priority: 1))
        tracker.update(session("laptop"), Presence(.available, priority: 0))
        tracker.update(session("phone"), .unavailable)
        #expect(tracker.presence(of: alice).availability == .available)
        tracker.update(session("laptop"), .unavailable)
        #expect(tracker.presence(of: alice).availability == .unavailable)
        #expect(tracker.sessionCount(of: alice) == 0)

        tracker.update(session("phone"), Presence(.away))
        tracker.update(session("laptop"), Presence(.xa))
        tracker.update(SessionID(user: alice, resource: ""), .unavailable)
        #expect(tracker.presence(of: alice).availability == .unavailable)
        tracker.update(session("phone"), Presence(.away))
        tracker.forget(alice)
        #expect(tracker.sessionCount(of: alice) == 0)
    }

    @Test func sessionsAndStatusTextAreBoundedAndPayloadsNotKept() {
        var tracker = PresenceTracker(maximumSessions: 2, maximumStatusLength: 5)
        tracker.update(session("a"), Presence(.away, status: "0123456789", payloads: [ExtensionPayload(meaning: .action)]))
        tracker.update(session("b"), Presence(.away))
        tracker.update(session("c"), Presence(.chat, priority: 100))
        #expect(tracker.sessionCount(of: alice) == 2, "a third session is ignored")
        #expect(tracker.presence(of: alice).availability == .away)
        // A known session may still change.
        tracker.update(session("a"), Presence(.dnd, status: "héllo wörld", priority: 1))
        let best = tracker.presence(of: alice)
        #expect(best.availability == .dnd)
        #expect(best.status == "héll…")
        #expect(best.payloads.isEmpty)
        tracker.update(session("b"), .unavailable)
        tracker.update(session("c"), Presence(.chat, priority: 100))
        #expect(tracker.presence(of: alice).availability == .chat, "room again once a session left")
    }

    @Test func theBoardTracksRegisteredUsersOnlyAndFiltersThePage() {
        let id = "0123456789abcdef0123456789abcdef"
        let board = StatusBoard(
            registrations: RegistrationTable([StatusRegistration(user: alice, id: id, settings: PageSettings())]),
            tracker: PresenceTracker())
        let stranger = SessionID(user: UserID(localpart: "eve", domain: "example.com"), resource: "x")
        board.observe(Presence(.away), from: stranger)
        #expect(board.presence(of: stranger.user).availability == .unavailable)

        #expect(board.view(forID: id) == StatusView(availability: "offline"))
        board.observe(Presence(.away, status: "in a meeting"), from: session("phone"))
        #expect(board.view(forID: id) == StatusView(availability: "away"), "status and JID hidden by default")

        board.commit(RegistrationTable([
            StatusRegistration(user: alice, id: id, settings: PageSettings(showStatusMessage: true, showJID: true))
        ]))
        #expect(board.view(forID: id) == StatusView(availability: "away", status: "in a meeting", jid: "alice@example.com"))
        #expect(board.view(forID: "ffffffffffffffffffffffffffffffff") == nil)

        board.commit(RegistrationTable())
        #expect(board.view(forID: id) == nil)
        #expect(board.presence(of: alice).availability == .unavailable, "presence forgotten with the registration")
    }
}
