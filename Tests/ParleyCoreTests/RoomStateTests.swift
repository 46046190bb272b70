import Foundation
import ParleyCore
import Testing

/// Resolves effects into what each session is told, the way a room delivers them: `.to`
/// reaches one session; `.everyone` reaches every session still in the room afterwards.
func deliveries(_ effects: [RoomState.Effect], in state: RoomState) -> [SessionID: [RoomEvent]] {
    var out: [SessionID: [RoomEvent]] = [:]
    for effect in effects {
        switch effect {
        case .to(let session, let event):
            out[session, default: []].append(event)
        case .everyone(let event, let except):
            for session in state.sessions where session != except {
                out[session, default: []].append(event)
            }
        }
    }
    return out
}

/// A room with a fixed clock, and shortcuts for the common steps.
struct RoomFixture {
    var state: RoomState
    let t0 = Date(timeIntervalSince1970: 1_000)

    init(
        _ name: String = "Dev", configuration: RoomConfiguration = RoomConfiguration(), owner: String? = "alice",
        founding: RoomFounding = .owner
    ) {
        state = RoomState(id: roomID(name), configuration: configuration, owner: owner.map(user), founding: founding)
    }

    var id: RoomID { state.id }

    @discardableResult
    mutating func join(
        _ who: String, _ resource: String = "r", as nickname: String? = nil, password: String? = nil,
        presence: Presence = Presence(), created: Bool = false
    ) throws(RoomError) -> [SessionID: [RoomEvent]] {
        let effects = try state.join(
            session: session(who, resource), nick: nick(nickname ?? who), password: password, presence: presence,
            now: t0, created: created)
        return deliveries(effects, in: state)
    }

    func snapshot(in delivered: [SessionID: [RoomEvent]], for who: SessionID) -> RoomSnapshot? {
        for event in delivered[who] ?? [] {
            if case .entered(let snapshot) = event { return snapshot }
        }
        return nil
    }

    func occupant(_ nickname: String) -> Occupant? { state.occupants[nick(nickname)] }

    /// `who`'s session and occupant as the room knows them now: the actor its events name.
    func actor(_ who: String, _ resource: String = "r") -> RoomActor? {
        let id = session(who, resource)
        return state.occupant(of: id).map { RoomActor(session: id, occupant: $0) }
    }

    func message(_ body: String?, subject: String? = nil) -> Message {
        // A forged sender that the room must replace.
        Message(id: body, kind: .chat, from: .user(user("mallory")), to: .user(user("nobody")), body: body, subject: subject)
    }
}

@Suite("RoomState")
struct RoomStateTests {
    // MARK: Creation and entering

    @Test func creatorBecomesOwnerAndModerator() throws {
        var room = RoomFixture()
        let delivered = try room.join("alice", created: true)
        let snapshot = try #require(room.snapshot(in: delivered, for: session("alice")))
        #expect(snapshot.created)
        #expect(snapshot.room == room.id)
        #expect(snapshot.you.affiliation == .owner)
        #expect(snapshot.you.role == .moderator)
        #expect(snapshot.you.sessions == [session("alice")])
        #expect(snapshot.occupants == [snapshot.you])
        #expect(room.state.affiliation(of: user("alice")) == .owner)
        #expect(delivered.count == 1)
    }

    @Test func newcomerIsAnnouncedAndGetsSnapshot() throws {
        var room = RoomFixture()
        try room.join("alice")
        let status = Presence(.away, status: "brb")
        let delivered = try room.join("bob", as: "Bob", presence: status)
        let bob = try #require(room.occupant("bob"))
        #expect(bob.nick.displayName == "Bob")
        #expect(bob.role == .participant)
        #expect(bob.affiliation == .none)
        #expect(bob.presence == status)
        #expect(delivered[session("alice")] == [.occupantJoined(RoomActor(session: session("bob"), occupant: bob))])
        let snapshot = try #require(room.snapshot(in: delivered, for: session("bob")))
        #expect(delivered[session("bob")]?.count == 1)
        #expect(snapshot.you == bob)
        #expect(!snapshot.created)
        #expect(snapshot.occupants.map(\.nick.key) == ["alice", "bob"])
        #expect(snapshot.configuration == room.state.configuration)
    }

    @Test func bannedUserCannotEnter() throws {
        var room = RoomFixture()
        try room.join("alice")
        _ = try room.state.setAffiliation(.outcast, of: user("bob"), by: session("alice"), reason: "spam")
        #expect(throws: RoomError.banned) { try room.join("bob") }
        #expect(room.occupant("bob") == nil)
    }

    @Test func membersOnlyRoomAdmitsMembersOnly() throws {
        var configuration = RoomConfiguration()
        configuration.membersOnly = true
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        #expect(throws: RoomError.membersOnly) { try room.join("bob") }
        _ = try room.state.setAffiliation(.member, of: user("bob"), by: session("alice"), reason: nil)
        try room.join("bob")
        #expect(room.occupant("bob")?.affiliation == .member)
        #expect(room.occupant("bob")?.role == .participant)
    }

    @Test func invitationLetsOneInOnce() throws {
        var configuration = RoomConfiguration()
        configuration.membersOnly = true
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        try room.state.invite(user("carol"), by: session("alice"))
        #expect(room.state.invited.contains(user("carol")))
        try room.join("carol")
        #expect(room.occupant("carol") != nil)
        #expect(!room.state.invited.contains(user("carol")))
        _ = room.state.leave(session: session("carol"), reason: .left(nil))
        #expect(throws: RoomError.membersOnly) { try room.join("carol") }
    }

    @Test func invitationIsNotUsedUpByAFailedJoin() throws {
        var configuration = RoomConfiguration()
        configuration.membersOnly = true
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        try room.state.invite(user("carol"), by: session("alice"))
        #expect(throws: RoomError.nicknameInUse) { try room.join("carol", as: "alice") }
        try room.join("carol")
        #expect(room.occupant("carol") != nil)
    }

    @Test func invitePermissions() throws {
        var configuration = RoomConfiguration()
        configuration.membersOnly = true
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        _ = try room.state.setAffiliation(.member, of: user("bob"), by: session("alice"), reason: nil)
        try room.join("bob")
        // Only moderators invite into a members-only room; nobody invites an outcast.
        #expect(throws: RoomError.notAllowed) { try room.state.invite(user("carol"), by: session("bob")) }
        #expect(throws: RoomError.notInRoom) { try room.state.invite(user("carol"), by: session("zed")) }
        _ = try room.state.setAffiliation(.outcast, of: user("eve"), by: session("alice"), reason: nil)
        #expect(throws: RoomError.banned) { try room.state.invite(user("eve"), by: session("alice")) }
    }

    @Test func passwordIsRequired() throws {
        var configuration = RoomConfiguration()
        configuration.password = "s3cret"
        var room = RoomFixture(configuration: configuration)
        #expect(throws: RoomError.badPassword) { try room.join("bob") }
        #expect(throws: RoomError.badPassword) { try room.join("bob", password: "guess") }
        #expect(room.occupant("bob") == nil)
        try room.join("bob", password: "s3cret")
        #expect(room.occupant("bob") != nil)
    }

    @Test func onlyTheOwnerEntersWithoutThePassword() throws {
        var room = RoomFixture()
        try room.join("alice")
        _ = try room.state.setAffiliation(.admin, of: user("bob"), by: session("alice"), reason: nil)
        var configuration = room.state.configuration
        configuration.password = "s3cret"
        _ = try room.state.configure(configuration, by: session("alice"))
        _ = room.state.leave(session: session("alice"), reason: .left(nil))
        #expect(throws: RoomError.badPassword) { try room.join("bob") }
        try room.join("alice")
        #expect(room.occupant("alice") != nil)
    }

    @Test func fullRoomRefusesNewOccupants() throws {
        var configuration = RoomConfiguration()
        configuration.maxOccupants = 2
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        try room.join("bob")
        #expect(throws: RoomError.full) { try room.join("carol") }
        // Another session of an occupant is not a new occupant.
        try room.join("bob", "phone", as: "bob")
        #expect(room.occupant("bob")?.sessions.count == 2)
        #expect(room.state.occupants.count == 2)
        // Once someone leaves there is room again.
        _ = room.state.leave(session: session("alice"), reason: .left(nil))
        try room.join("carol")
    }

    @Test func nicknameHeldByAnotherUserIsRefused() throws {
        var room = RoomFixture()
        try room.join("alice", as: "Al")
        #expect(throws: RoomError.nicknameInUse) { try room.join("bob", as: "al") }
        #expect(room.state.occupant(of: session("bob")) == nil)
        #expect(room.occupant("al")?.user == user("alice"))
    }

    @Test func secondSessionOfTheSameUserSharesTheNickname() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob", "laptop")
        let delivered = try room.join("bob", "phone", as: "BOB")
        // Only the new session is told anything; the others already see bob.
        #expect(delivered.keys.sorted { $0.description < $1.description } == [session("bob", "phone")])
        let snapshot = try #require(room.snapshot(in: delivered, for: session("bob", "phone")))
        #expect(snapshot.you.sessions == [session("bob", "laptop"), session("bob", "phone")])
        #expect(room.state.occupants.count == 2)
        #expect(room.state.occupant(of: session("bob", "phone"))?.nick == nick("bob"))
        #expect(Set(room.state.sessions).count == 3)

        // One session leaving tells only that session; the occupant stays.
        let firstLeave = deliveries(room.state.leave(session: session("bob", "laptop"), reason: .left(nil)), in: room.state)
        #expect(firstLeave.keys.sorted { $0.description < $1.description } == [session("bob", "laptop")])
        #expect(room.occupant("bob")?.sessions == [session("bob", "phone")])
        // The last session leaving tells everyone.
        let lastLeave = deliveries(room.state.leave(session: session("bob", "phone"), reason: .left("bye")), in: room.state)
        #expect(room.occupant("bob") == nil)
        guard case .occupantLeft(let gone, .left("bye"))? = lastLeave[session("alice")]?.first else {
            Issue.record("alice must see bob leave")
            return
        }
        #expect(gone.nick == nick("bob"))
        #expect(lastLeave[session("bob", "phone")]?.count == 1)
    }

    @Test func joiningAgainUpdatesPresenceOrChangesNick() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        // Same nick, new presence: an occupantChanged for everyone.
        let delivered = try room.join("bob", presence: Presence(.dnd, status: "busy"))
        #expect(room.occupant("bob")?.presence.availability == .dnd)
        guard case .occupantChanged(let old, let new, let by)? = delivered[session("alice")]?.first else {
            Issue.record("alice must see bob's presence change")
            return
        }
        #expect(old.presence.availability == .available)
        #expect(new.presence.availability == .dnd)
        #expect(by == RoomActor(session: session("bob"), occupant: new))  // the occupant changed itself
        // Same presence again: nothing happens.
        #expect(try room.join("bob", presence: Presence(.dnd, status: "busy")).isEmpty)
        // Another nick: a nick change.
        try room.join("bob", as: "robert")
        #expect(room.occupant("bob") == nil)
        #expect(room.occupant("robert")?.user == user("bob"))
    }

    // MARK: Leaving

    @Test func leaveTellsEveryoneAndTheLeaver() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        let bob = try #require(room.occupant("bob"))
        let delivered = deliveries(room.state.leave(session: session("bob"), reason: .left("later")), in: room.state)
        #expect(delivered[session("alice")] == [.occupantLeft(bob, .left("later"))])
        #expect(delivered[session("bob")] == [.occupantLeft(bob, .left("later"))])
        #expect(room.state.occupant(of: session("bob")) == nil)
        #expect(room.state.leave(session: session("bob"), reason: .left(nil)).isEmpty)
        _ = room.state.leave(session: session("alice"), reason: .left(nil))
        #expect(room.state.isEmpty)
    }

    // MARK: Talking

    @Test func postStampsTheOccupantAndReachesEveryone() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob", as: "Bobby")
        let payload = ExtensionPayload(meaning: .messageID("m1"))
        var message = room.message("hello")
        message.payloads = [payload]
        let effects = try room.state.post(message, from: session("bob"), now: room.t0)
        let delivered = deliveries(effects, in: room.state)
        guard case .message(let posted, let sender)? = delivered[session("alice")]?.first else {
            Issue.record("alice must get the message")
            return
        }
        #expect(sender == room.actor("bob"))  // the event names the sending session and occupant
        #expect(delivered[session("bob")] == [.message(posted, from: sender)])  // the sender gets its echo
        #expect(posted.from == .occupant(room.id, nick("Bobby")))
        #expect(posted.to == .room(room.id))
        #expect(posted.kind == .room)
        #expect(posted.body == "hello")
        #expect(posted.timestamp == room.t0)
        #expect(posted.payloads == [payload])
        #expect(Array(room.state.history) == [posted])
    }

    @Test func postKeepsAGivenTimestamp() throws {
        var room = RoomFixture()
        try room.join("alice")
        var message = room.message("old news")
        let then = Date(timeIntervalSince1970: 5)
        message.timestamp = then
        _ = try room.state.post(message, from: session("alice"), now: room.t0)
        #expect(room.state.history.last?.timestamp == then)
    }

    @Test func moderatedRoomSilencesVisitors() throws {
        var configuration = RoomConfiguration()
        configuration.moderated = true
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        try room.join("bob")
        #expect(room.occupant("bob")?.role == .visitor)
        #expect(room.occupant("alice")?.role == .moderator)
        #expect(throws: RoomError.cannotSpeak) { try room.state.post(room.message("hi"), from: session("bob"), now: room.t0) }
        #expect(room.state.history.isEmpty)
        // Voice granted: bob may speak.
        _ = try room.state.setRole(.participant, of: nick("bob"), by: session("alice"), reason: nil)
        #expect(room.occupant("bob")?.role == .participant)
        _ = try room.state.post(room.message("thanks"), from: session("bob"), now: room.t0)
        #expect(room.state.history.map(\.body) == ["thanks"])
    }

    @Test func membersAreParticipantsInModeratedRooms() throws {
        var configuration = RoomConfiguration()
        configuration.moderated = true
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        _ = try room.state.setAffiliation(.member, of: user("bob"), by: session("alice"), reason: nil)
        try room.join("bob")
        #expect(room.occupant("bob")?.role == .participant)
    }

    @Test func externalMessagesAreRefusedUnlessAllowed() throws {
        var room = RoomFixture()
        try room.join("alice")
        #expect(throws: RoomError.notInRoom) { try room.state.post(room.message("spam"), from: session("zed"), now: room.t0) }
        var open = room.state.configuration
        open.allowsExternalMessages = true
        _ = try room.state.configure(open, by: session("alice"))
        let delivered = deliveries(try room.state.post(room.message("from outside"), from: session("zed"), now: room.t0), in: room.state)
        guard case .message(let posted, let sender)? = delivered[session("alice")]?.first else {
            Issue.record("alice must get the external message")
            return
        }
        #expect(sender == nil)  // not an occupant
        #expect(posted.from == .session(session("zed")))
        #expect(delivered[session("zed")] == nil)  // not an occupant, so no echo
        // Banned users stay out even so.
        _ = try room.state.setAffiliation(.outcast, of: user("eve"), by: session("alice"), reason: nil)
        #expect(throws: RoomError.banned) { try room.state.post(room.message("again"), from: session("eve"), now: room.t0) }
    }

    @Test func privateMessageGoesToEverySessionOfTheTargetOnly() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob", "laptop")
        try room.join("bob", "phone", as: "bob")
        try room.join("carol")
        let alice = try #require(room.occupant("alice"))
        let effects = try room.state.privateMessage(room.message("psst"), from: session("alice"), to: nick("BOB"))
        let delivered = deliveries(effects, in: room.state)
        #expect(Set(delivered.keys) == [session("bob", "laptop"), session("bob", "phone")])
        guard case .privateMessage(let from, let message)? = delivered[session("bob", "phone")]?.first else {
            Issue.record("bob must get the private message")
            return
        }
        #expect(from == RoomActor(session: session("alice"), occupant: alice))
        #expect(message.from == .occupant(room.id, nick("alice")))
        #expect(message.to == .occupant(room.id, nick("bob")))
        #expect(message.body == "psst")
        #expect(room.state.history.isEmpty)
        #expect(throws: RoomError.noSuchOccupant) { try room.state.privateMessage(room.message("?"), from: session("alice"), to: nick("nobody")) }
        #expect(throws: RoomError.notInRoom) { try room.state.privateMessage(room.message("?"), from: session("zed"), to: nick("bob")) }
    }

    // MARK: Topic

    @Test func topicIsRestrictedToModeratorsByDefault() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        #expect(room.state.configuration.topicRestricted)
        #expect(throws: RoomError.notAllowed) { try room.state.setTopic("mine now", from: session("bob"), now: room.t0) }
        #expect(room.state.topic == nil)
        let delivered = deliveries(try room.state.setTopic("Release planning", from: session("alice"), now: room.t0), in: room.state)
        let topic = Topic(text: "Release planning", setBy: nick("alice"), at: room.t0)
        #expect(room.state.topic == topic)
        #expect(delivered[session("alice")] == [.topicChanged(topic, by: room.actor("alice"))])
        #expect(delivered[session("bob")] == [.topicChanged(topic, by: room.actor("alice"))])
        #expect(throws: RoomError.notInRoom) { try room.state.setTopic("x", from: session("zed"), now: room.t0) }
        // Newcomers see it.
        let carol = try room.join("carol")
        #expect(room.snapshot(in: carol, for: session("carol"))?.topic == topic)
    }

    @Test func subjectOnlyMessageSetsTheTopicUnderTheTopicRules() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        // A participant cannot get around the restriction by posting a subject.
        #expect(throws: RoomError.notAllowed) { try room.state.post(room.message(nil, subject: "sneaky"), from: session("bob"), now: room.t0) }
        #expect(room.state.topic == nil)
        #expect(throws: RoomError.notInRoom) { try room.state.post(room.message(nil, subject: "outside"), from: session("zed"), now: room.t0) }
        let delivered = deliveries(try room.state.post(room.message(nil, subject: "Agenda"), from: session("alice"), now: room.t0), in: room.state)
        let topic = Topic(text: "Agenda", setBy: nick("alice"), at: room.t0)
        #expect(room.state.topic == topic)
        #expect(delivered[session("bob")] == [.topicChanged(topic, by: room.actor("alice"))])
        #expect(room.state.history.isEmpty)
        // With a body it is an ordinary message that happens to carry a subject.
        _ = try room.state.post(room.message("hello", subject: "re: agenda"), from: session("bob"), now: room.t0)
        #expect(room.state.topic == topic)
        #expect(room.state.history.map(\.subject) == ["re: agenda"])
    }

    @Test func unrestrictedTopicOpenToParticipantsButNotVisitors() throws {
        var configuration = RoomConfiguration()
        configuration.topicRestricted = false
        configuration.moderated = true
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        try room.join("bob")
        _ = try room.state.setRole(.participant, of: nick("bob"), by: session("alice"), reason: nil)
        _ = try room.state.setTopic("bob's topic", from: session("bob"), now: room.t0)
        #expect(room.state.topic?.text == "bob's topic")
        #expect(room.state.topic?.setBy == nick("bob"))
        // XEP-0045 §5.1: a visitor may not change the subject.
        try room.join("carol")
        #expect(room.occupant("carol")?.role == .visitor)
        #expect(throws: RoomError.notAllowed) { try room.state.setTopic("carol's topic", from: session("carol"), now: room.t0) }
        #expect(room.state.topic?.text == "bob's topic")
    }

    // MARK: Kicking

    @Test func kickTellsEveryoneIncludingEveryKickedSession() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob", "laptop")
        try room.join("bob", "phone", as: "bob")
        try room.join("carol")
        let bob = try #require(room.occupant("bob"))
        let effects = try room.state.setRole(.none, of: nick("bob"), by: session("alice"), reason: "flooding")
        let event = RoomEvent.occupantLeft(bob, .kicked(by: room.actor("alice"), reason: "flooding"))
        let delivered = deliveries(effects, in: room.state)
        #expect(delivered[session("alice")] == [event])
        #expect(delivered[session("carol")] == [event])
        #expect(delivered[session("bob", "laptop")] == [event])
        #expect(delivered[session("bob", "phone")] == [event])
        #expect(room.occupant("bob") == nil)
        #expect(room.state.occupant(of: session("bob", "phone")) == nil)
        #expect(!room.state.sessions.contains(session("bob", "laptop")))
        // A kick is not a ban.
        try room.join("bob")
        #expect(room.occupant("bob") != nil)
    }

    @Test func participantCannotKick() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        try room.join("carol")
        #expect(throws: RoomError.notAllowed) { try room.state.setRole(.none, of: nick("carol"), by: session("bob"), reason: nil) }
        #expect(room.occupant("carol") != nil)
        #expect(throws: RoomError.noSuchOccupant) { try room.state.setRole(.none, of: nick("nobody"), by: session("alice"), reason: nil) }
        #expect(throws: RoomError.notInRoom) { try room.state.setRole(.none, of: nick("carol"), by: session("zed"), reason: nil) }
    }

    @Test func moderatorCannotKickAnAdminOrOwner() throws {
        var room = RoomFixture()
        try room.join("alice")  // owner
        _ = try room.state.setAffiliation(.admin, of: user("erin"), by: session("alice"), reason: nil)
        try room.join("erin")  // admin, moderator
        try room.join("dave")
        _ = try room.state.setRole(.moderator, of: nick("dave"), by: session("alice"), reason: nil)
        #expect(room.occupant("dave")?.role == .moderator)
        #expect(room.occupant("dave")?.affiliation == Affiliation.none)
        try room.join("bob")
        // A moderator without affiliation cannot kick an admin or the owner…
        #expect(throws: RoomError.notAllowed) { try room.state.setRole(.none, of: nick("erin"), by: session("dave"), reason: nil) }
        #expect(throws: RoomError.notAllowed) { try room.state.setRole(.none, of: nick("alice"), by: session("dave"), reason: nil) }
        // …nor take another moderator's role, which only admins and owners do…
        #expect(throws: RoomError.notAllowed) { try room.state.setRole(.moderator, of: nick("bob"), by: session("dave"), reason: nil) }
        // …an admin cannot kick the owner…
        #expect(throws: RoomError.notAllowed) { try room.state.setRole(.none, of: nick("alice"), by: session("erin"), reason: nil) }
        #expect(room.occupant("erin") != nil)
        #expect(room.occupant("alice") != nil)
        // …but any moderator can kick a participant.
        _ = try room.state.setRole(.none, of: nick("bob"), by: session("dave"), reason: nil)
        #expect(room.occupant("bob") == nil)
    }

    @Test func roleChangesAreAnnounced() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        let before = try #require(room.occupant("bob"))
        let delivered = deliveries(try room.state.setRole(.visitor, of: nick("bob"), by: session("alice"), reason: nil), in: room.state)
        let after = try #require(room.occupant("bob"))
        #expect(after.role == .visitor)
        // XEP-0045 §8: the change names its actor.
        #expect(delivered[session("alice")] == [.occupantChanged(old: before, new: after, by: room.actor("alice"))])
        #expect(delivered[session("bob")] == [.occupantChanged(old: before, new: after, by: room.actor("alice"))])
    }

    // MARK: Affiliations and bans

    @Test func banRemovesAndBlocksRejoin() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob", "laptop")
        try room.join("bob", "phone", as: "bob")
        try room.join("carol")
        let bob = try #require(room.occupant("bob"))
        let effects = try room.state.setAffiliation(.outcast, of: user("bob"), by: session("alice"), reason: "spam")
        let event = RoomEvent.occupantLeft(bob, .banned(by: room.actor("alice"), reason: "spam"))
        let delivered = deliveries(effects, in: room.state)
        #expect(delivered[session("alice")] == [event])
        #expect(delivered[session("carol")] == [event])
        #expect(delivered[session("bob", "laptop")] == [event])
        #expect(delivered[session("bob", "phone")] == [event])
        #expect(room.occupant("bob") == nil)
        #expect(room.state.affiliation(of: user("bob")) == .outcast)
        #expect(throws: RoomError.banned) { try room.join("bob") }
        #expect(throws: RoomError.banned) { try room.join("bob", "tablet", as: "other") }
        // Lifting the ban lets bob back in.
        _ = try room.state.setAffiliation(.none, of: user("bob"), by: session("alice"), reason: nil)
        #expect(room.state.affiliations[user("bob")] == nil)
        try room.join("bob")
    }

    @Test func onlyOwnersManageAdmins() throws {
        var room = RoomFixture()
        try room.join("alice")  // owner
        _ = try room.state.setAffiliation(.admin, of: user("erin"), by: session("alice"), reason: nil)
        _ = try room.state.setAffiliation(.admin, of: user("frank"), by: session("alice"), reason: nil)
        try room.join("erin")
        try room.join("bob")
        // An admin may not make admins or owners, nor touch other admins or the owner.
        #expect(throws: RoomError.notAllowed) { try room.state.setAffiliation(.admin, of: user("bob"), by: session("erin"), reason: nil) }
        #expect(throws: RoomError.notAllowed) { try room.state.setAffiliation(.owner, of: user("bob"), by: session("erin"), reason: nil) }
        #expect(throws: RoomError.notAllowed) { try room.state.setAffiliation(.none, of: user("frank"), by: session("erin"), reason: nil) }
        #expect(throws: RoomError.notAllowed) { try room.state.setAffiliation(.outcast, of: user("alice"), by: session("erin"), reason: nil) }
        #expect(room.state.affiliation(of: user("frank")) == .admin)
        #expect(room.state.affiliation(of: user("bob")) == .none)
        // A participant manages nothing.
        #expect(throws: RoomError.notAllowed) { try room.state.setAffiliation(.member, of: user("carol"), by: session("bob"), reason: nil) }
        // An admin manages members and outcasts.
        _ = try room.state.setAffiliation(.member, of: user("bob"), by: session("erin"), reason: nil)
        #expect(room.occupant("bob")?.affiliation == .member)
        // The owner makes bob an admin, which makes him a moderator.
        let before = try #require(room.occupant("bob"))
        let delivered = deliveries(try room.state.setAffiliation(.admin, of: user("bob"), by: session("alice"), reason: nil), in: room.state)
        let after = try #require(room.occupant("bob"))
        #expect(after.affiliation == .admin)
        #expect(after.role == .moderator)
        #expect(delivered[session("erin")] == [.occupantChanged(old: before, new: after, by: room.actor("alice"))])
        // And takes it back: bob is no longer a moderator.
        _ = try room.state.setAffiliation(.member, of: user("bob"), by: session("alice"), reason: nil)
        #expect(room.occupant("bob")?.role == .participant)
        #expect(room.occupant("bob")?.affiliation == .member)
    }

    @Test func revokingMembershipInMembersOnlyRoomRemovesTheOccupant() throws {
        var configuration = RoomConfiguration()
        configuration.membersOnly = true
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        _ = try room.state.setAffiliation(.member, of: user("bob"), by: session("alice"), reason: nil)
        try room.join("bob")
        let bob = try #require(room.occupant("bob"))
        let delivered = deliveries(try room.state.setAffiliation(.none, of: user("bob"), by: session("alice"), reason: nil), in: room.state)
        #expect(delivered[session("alice")] == [.occupantLeft(bob, .membershipRevoked)])
        #expect(delivered[session("bob")] == [.occupantLeft(bob, .membershipRevoked)])
        #expect(room.occupant("bob") == nil)
    }

    // MARK: Nicknames

    @Test func nickChangeIsAnnouncedToEveryone() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        let old = try #require(room.occupant("bob"))
        let delivered = deliveries(try room.state.changeNick(session: session("bob"), to: nick("Robert")), in: room.state)
        let new = try #require(room.occupant("robert"))
        #expect(new.nick.displayName == "Robert")
        #expect(new.user == user("bob"))
        #expect(new.sessions == old.sessions)
        #expect(room.occupant("bob") == nil)
        #expect(room.state.occupant(of: session("bob")) == new)
        // The occupant changed itself, from its own session.
        let by = RoomActor(session: session("bob"), occupant: new)
        #expect(delivered[session("alice")] == [.occupantChanged(old: old, new: new, by: by)])
        #expect(delivered[session("bob")] == [.occupantChanged(old: old, new: new, by: by)])
        // Messages carry the new nick.
        _ = try room.state.post(room.message("hi"), from: session("bob"), now: room.t0)
        #expect(room.state.history.last?.from == .occupant(room.id, nick("robert")))
        // The old nick is free again.
        try room.join("carol", as: "bob")
        #expect(room.occupant("bob")?.user == user("carol"))
    }

    @Test func nickChangeConflict() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        #expect(throws: RoomError.nicknameInUse) { try room.state.changeNick(session: session("bob"), to: nick("ALICE")) }
        #expect(room.occupant("bob")?.user == user("bob"))
        #expect(room.occupant("alice")?.user == user("alice"))
        #expect(throws: RoomError.notInRoom) { try room.state.changeNick(session: session("zed"), to: nick("zed")) }
    }

    @Test func nickChangeOfCaseOnlyUpdatesTheDisplayName() throws {
        var room = RoomFixture()
        try room.join("alice")
        try room.join("bob")
        _ = try room.state.changeNick(session: session("bob"), to: nick("BoB"))
        #expect(room.occupant("bob")?.nick.displayName == "BoB")
        #expect(room.state.occupants.count == 2)
        #expect(try room.state.changeNick(session: session("bob"), to: nick("BoB")).isEmpty)
    }

    @Test func nickChangeMovesEverySessionOfTheOccupant() throws {
        var room = RoomFixture()
        try room.join("bob", "laptop")
        try room.join("bob", "phone", as: "bob")
        _ = try room.state.changeNick(session: session("bob", "phone"), to: nick("robert"))
        #expect(room.state.occupant(of: session("bob", "laptop"))?.nick == nick("robert"))
        #expect(room.occupant("robert")?.sessions.count == 2)
        #expect(room.state.occupants.count == 1)
    }

    // MARK: History

    @Test func historyIsBoundedByHistoryLength() throws {
        var configuration = RoomConfiguration()
        configuration.historyLength = 3
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        for index in 1...5 {
            _ = try room.state.post(room.message("m\(index)"), from: session("alice"), now: room.t0)
        }
        #expect(room.state.history.map(\.body) == ["m3", "m4", "m5"])
        let delivered = try room.join("bob")
        #expect(room.snapshot(in: delivered, for: session("bob"))?.history.map(\.body) == ["m3", "m4", "m5"])
    }

    @Test func messagesWithoutBodyAreNotKept() throws {
        var room = RoomFixture()
        try room.join("alice")
        var typing = room.message(nil)
        typing.payloads = [ExtensionPayload(meaning: .typing(.composing))]
        _ = try room.state.post(typing, from: session("alice"), now: room.t0)
        #expect(room.state.history.isEmpty)
    }

    @Test func zeroHistoryKeepsNothing() throws {
        var configuration = RoomConfiguration()
        configuration.historyLength = 0
        var room = RoomFixture(configuration: configuration)
        try room.join("alice")
        _ = try room.state.post(room.message("gone"), from: session("alice"), now: room.t0)
        #expect(room.state.history.isEmpty)
    }

    @Test func historyLengthIsCappedByMaximumHistory() throws {
        var configuration = RoomConfiguration()
        configuration.historyLength = RoomConfiguration.maximumHistory * 10
        var room = RoomFixture(configuration: configuration)
        #expect(room.state.configuration.historyLength == RoomConfiguration.maximumHistory)
        try room.join("alice")
        for index in 0..<(RoomConfiguration.maximumHistory + 5) {
            _ = try room.state.post(room.message("m\(index)"), from: session("alice"), now: room.t0)
        }
        #expect(room.state.history.count == RoomConfiguration.maximumHistory)
        #expect(room.state.history.first?.body == "m5")
        var negative = RoomConfiguration()
        negative.historyLength = -4
        #expect(RoomState(id: roomID("x"), configuration: negative).configuration.historyLength == 0)
    }

    @Test func shorterHistoryTrimsTheKeptMessages() throws {
        var room = RoomFixture()
        try room.join("alice")
        for index in 1...4 {
            _ = try room.state.post(room.message("m\(index)"), from: session("alice"), now: room.t0)
        }
        var configuration = room.state.configuration
        configuration.historyLength = 1
        _ = try room.state.configure(configuration, by: session("alice"))
        #expect(room.state.history.map(\.body) == ["m4"])
    }

    // MARK: Configuration

    @Test func configureIsForAdminsAndOwnersOnly() throws {
        var room = RoomFixture()
        try room.join("alice")
        _ = try room.state.setAffiliation(.member, of: user("bob"), by: session("alice"), reason: nil)
        try room.join("bob")
        var configuration = room.state.configuration
        configuration.hidden = true
        configuration.persistent = true
        #expect(throws: RoomError.notAllowed) { try room.state.configure(configuration, by: session("bob")) }
        #expect(!room.state.configuration.hidden)
        #expect(throws: RoomError.notInRoom) { try room.state.configure(configuration, by: session("zed")) }
        let delivered = deliveries(try room.state.configure(configuration, by: session("alice")), in: room.state)
        #expect(room.state.configuration == configuration)
        #expect(delivered[session("alice")] == [.configurationChanged(configuration, by: room.actor("alice"))])
        #expect(delivered[session("bob")] == [.configurationChanged(configuration, by: room.actor("alice"))])
        // An admin may configure too.
        _ = try room.state.setAffiliation(.admin, of: user("bob"), by: session("alice"), reason: nil)
        configuration.hidden = false
        _ = try room.state.configure(configuration, by: session("bob"))
        #expect(!room.state.configuration.hidden)
    }

    @Test func configureRejectsOutOfRangeValues() throws {
        var room = RoomFixture()
        try room.join("alice")
        var tooLong = room.state.configuration
        tooLong.historyLength = RoomConfiguration.maximumHistory + 1
        #expect(throws: RoomError.self) { try room.state.configure(tooLong, by: session("alice")) }
        var negative = room.state.configuration
        negative.historyLength = -1
        #expect(throws: RoomError.self) { try room.state.configure(negative, by: session("alice")) }
        var empty = room.state.configuration
        empty.maxOccupants = 0
        #expect(throws: RoomError.self) { try room.state.configure(empty, by: session("alice")) }
        #expect(room.state.configuration == RoomConfiguration())
    }

    @Test func defaultRoles() {
        #expect(Affiliation.owner.defaultRole(moderated: true) == .moderator)
        #expect(Affiliation.admin.defaultRole(moderated: false) == .moderator)
        #expect(Affiliation.member.defaultRole(moderated: true) == .participant)
        #expect(Affiliation.none.defaultRole(moderated: true) == .visitor)
        #expect(Affiliation.none.defaultRole(moderated: false) == .participant)
        #expect(Affiliation.outcast.defaultRole(moderated: false) == Role.none)
        #expect(Affiliation.allCases.sorted() == [.outcast, .none, .member, .admin, .owner])
        #expect(Role.allCases.sorted() == [.none, .visitor, .participant, .moderator])
    }
}
