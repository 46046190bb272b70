import Foundation
import ParleyCore
import Testing

@Suite("Chat service: rooms")
struct RoomServiceTests {
    let dev = roomID("Dev")

    @Test func joinTalkChangeNickAndLeave() async throws {
        let service = makeService()
        let aliceMind = RecordingMind(), bobMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)

        let created = try await alice.join(dev, as: nick("Alice"))
        #expect(created.created)
        #expect(created.you.affiliation == .owner)
        #expect(created.you.role == .moderator)
        // The snapshot reaches the mind first, as `.entered`.
        #expect(aliceMind.events.first == .room(dev, .entered(created)))
        #expect(alice.joinedRooms == [dev])
        #expect(service.room(roomID("dev"))?.id == dev)

        let entered = try await bob.join(roomID("dev"), as: nick("bob"))
        #expect(!entered.created)
        #expect(entered.you.affiliation == .none)
        #expect(entered.occupants.count == 2)
        #expect(aliceMind.roomEvents(dev).last == .occupantJoined(RoomActor(session: bob.id, occupant: entered.you)))

        try await bob.send(Message(kind: .chat, from: .user(user("mallory")), to: .room(dev), body: "hi all"))
        for mind in [aliceMind, bobMind] {
            let message = try #require(mind.roomMessages(dev).last)
            #expect(message.body == "hi all")
            #expect(message.from == .occupant(dev, nick("bob")))
            #expect(message.kind == .room)
            #expect(message.timestamp == fixedNow)
        }
        // The event names the sending session and its occupant.
        guard case .message(_, let sender?)? = aliceMind.roomEvents(dev).last else {
            Issue.record("alice must see who sent the message")
            return
        }
        #expect(sender.session == bob.id)
        #expect(sender.occupant == entered.you)

        try await bob.changeNick(in: dev, to: nick("robert"))
        guard case .occupantChanged(let old, let new, let by?)? = aliceMind.roomEvents(dev).last else {
            Issue.record("alice must see the nick change")
            return
        }
        // The occupant changed itself, from bob's session.
        #expect(by.session == bob.id)
        #expect(by.occupant == new)
        #expect(old.nick == nick("bob"))
        #expect(new.nick == nick("robert"))
        await #expect(throws: RoomError.nicknameInUse) { try await bob.changeNick(in: dev, to: nick("alice")) }

        await bob.leave(dev, message: "bye")
        #expect(bob.joinedRooms.isEmpty)
        guard case .occupantLeft(let gone, .left("bye"))? = aliceMind.roomEvents(dev).last else {
            Issue.record("alice must see bob leave")
            return
        }
        #expect(gone.nick == nick("robert"))
        #expect(bobMind.roomEvents(dev).last == .occupantLeft(gone, .left("bye")))
        await #expect(throws: DeliveryError.room(.notInRoom)) {
            try await bob.send(Message(kind: .room, from: .session(bob.id), to: .room(dev), body: "still here?"))
        }
        await closeAll([alice, bob])
    }

    @Test func emptyRoomGoesAwayUnlessPersistent() async throws {
        let service = makeService()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        try await alice.join(dev, as: nick("alice"))
        await alice.leave(dev)
        #expect(service.room(dev) == nil)
        // Joining again creates it anew, with a new owner.
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: RecordingMind())
        let again = try await bob.join(dev, as: nick("bob"))
        #expect(again.created)
        #expect(again.you.affiliation == .owner)
        var persistent = again.configuration
        persistent.persistent = true
        try await bob.configure(dev, persistent)
        await bob.leave(dev)
        let kept = try #require(service.room(dev))
        #expect(await kept.snapshot.isEmpty)
        #expect(await kept.snapshot.affiliation(of: user("bob")) == .owner)
        #expect(service.allRooms.count == 1)
        await closeAll([alice, bob])
    }

    @Test func roomDefaultsComeFromTheServiceConfiguration() async throws {
        let service = makeService {
            $0.roomDefaults.moderated = true
            $0.roomDefaults.historyLength = 2
        }
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let snapshot = try await alice.join(dev, as: nick("alice"))
        #expect(snapshot.configuration.moderated)
        #expect(snapshot.configuration.historyLength == 2)
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: RecordingMind())
        #expect(try await bob.join(dev, as: nick("bob")).you.role == .visitor)
        await #expect(throws: DeliveryError.room(.cannotSpeak)) {
            try await bob.send(Message(kind: .room, from: .session(bob.id), to: .room(dev), body: "hello?"))
        }
        await closeAll([alice, bob])
    }

    @Test func failingMindIsRemovedAndEveryoneElseGetsEveryMessage() async throws {
        let service = makeService()
        let names = ["alice", "bob", "carol", "dave", "erin"]
        var minds: [String: RecordingMind] = [:]
        var sessions: [String: ChatSession] = [:]
        for name in names {
            let mind = RecordingMind()
            minds[name] = mind
            let session = try await service.openSession(for: user(name), resource: "r", mind: mind)
            sessions[name] = session
            try await session.join(dev, as: nick(name))
        }
        minds["bob"]!.setFailing(true)
        minds["dave"]!.setFailing(true)
        for index in 1...3 {
            try await sessions["alice"]!.send(Message(kind: .room, from: .session(sessions["alice"]!.id), to: .room(dev), body: "m\(index)"))
        }
        for name in ["alice", "carol", "erin"] {
            let mind = minds[name]!
            #expect(mind.roomMessages(dev).map(\.body) == ["m1", "m2", "m3"], "\(name) must get every message")
            let failed = mind.roomEvents(dev).compactMap { event -> Nickname? in
                if case .occupantLeft(let occupant, .deliveryFailed) = event { occupant.nick } else { nil }
            }
            #expect(Set(failed) == [nick("bob"), nick("dave")], "\(name) must see both failing sessions go")
            #expect(failed.count == 2)
        }
        let state = try #require(await service.room(dev)?.snapshot)
        #expect(Set(state.occupants.keys) == [nick("alice"), nick("carol"), nick("erin")])
        #expect(sessions["bob"]!.joinedRooms.isEmpty)
        #expect(sessions["carol"]!.joinedRooms == [dev])
        // The failed minds were tried once each, then never again.
        #expect(minds["bob"]!.refused == 1)
        #expect(minds["dave"]!.refused == 1)
        await closeAll(Array(sessions.values))
    }

    @Test func failingMindOfOneSessionKeepsTheOccupantsOtherSessions() async throws {
        let service = makeService()
        let aliceMind = RecordingMind(), laptopMind = RecordingMind(), phoneMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let laptop = try await service.openSession(for: user("bob"), resource: "laptop", mind: laptopMind)
        let phone = try await service.openSession(for: user("bob"), resource: "phone", mind: phoneMind)
        try await alice.join(dev, as: nick("alice"))
        try await laptop.join(dev, as: nick("bob"))
        try await phone.join(dev, as: nick("bob"))
        phoneMind.setFailing(true)
        try await alice.send(Message(kind: .room, from: .session(alice.id), to: .room(dev), body: "hello"))
        #expect(laptopMind.roomMessages(dev).map(\.body) == ["hello"])
        // bob is still there through his laptop; nobody saw him leave.
        let state = try #require(await service.room(dev)?.snapshot)
        #expect(state.occupants[nick("bob")]?.sessions == [laptop.id])
        #expect(!aliceMind.roomEvents(dev).contains { if case .occupantLeft = $0 { true } else { false } })
        await closeAll([alice, laptop, phone])
    }

    @Test func kickThroughTheServiceReachesTheKickedSession() async throws {
        let service = makeService()
        let aliceMind = RecordingMind(), bobMind = RecordingMind(), carolMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        let carol = try await service.openSession(for: user("carol"), resource: "r", mind: carolMind)
        for (session, name) in [(alice, "alice"), (bob, "bob"), (carol, "carol")] {
            try await session.join(dev, as: nick(name))
        }
        await #expect(throws: RoomError.notAllowed) { try await carol.setRole(.none, of: nick("bob"), in: dev) }
        try await alice.setRole(.none, of: nick("bob"), in: dev, reason: "enough")
        for mind in [aliceMind, bobMind, carolMind] {
            guard case .occupantLeft(let occupant, .kicked(by: let by, reason: "enough"))? = mind.roomEvents(dev).last else {
                Issue.record("everyone, bob included, must see the kick")
                continue
            }
            #expect(occupant.nick == nick("bob"))
            #expect(by?.nick == nick("alice"))
            #expect(by?.session == alice.id)
        }
        // bob gets nothing more from the room.
        let before = bobMind.events.count
        try await alice.send(Message(kind: .room, from: .session(alice.id), to: .room(dev), body: "after"))
        #expect(bobMind.events.count == before)
        #expect(carolMind.roomMessages(dev).map(\.body) == ["after"])
        await #expect(throws: DeliveryError.room(.notInRoom)) {
            try await bob.send(Message(kind: .room, from: .session(bob.id), to: .room(dev), body: "hey"))
        }
        // bob's session knows it is out, and the room no longer counts against his limit.
        #expect(bob.joinedRooms.isEmpty)
        // He may come back: a kick is not a ban.
        try await bob.join(dev, as: nick("bob"))
        #expect(bob.joinedRooms == [dev])
        await closeAll([alice, bob, carol])
    }

    @Test func banThroughTheServiceBlocksRejoin() async throws {
        let service = makeService()
        let bobMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        try await alice.join(dev, as: nick("alice"))
        try await bob.join(dev, as: nick("bob"))
        try await alice.setAffiliation(.outcast, of: user("bob"), in: dev, reason: "spam")
        guard case .occupantLeft(_, .banned(by: let by?, reason: "spam"))? = bobMind.roomEvents(dev).last else {
            Issue.record("bob must be told he is banned")
            return
        }
        #expect(by.nick == nick("alice"))
        #expect(by.session == alice.id)
        #expect(bob.joinedRooms.isEmpty)
        await #expect(throws: RoomError.banned) { try await bob.join(dev, as: nick("bob")) }
        let other = try await service.openSession(for: user("bob"), resource: "other", mind: RecordingMind())
        await #expect(throws: RoomError.banned) { try await other.join(dev, as: nick("bobby")) }
        await closeAll([alice, bob, other])
    }

    @Test func topicAndConfigurationThroughTheService() async throws {
        let service = makeService()
        let bobMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        try await alice.join(dev, as: nick("alice"))
        try await bob.join(dev, as: nick("bob"))
        await #expect(throws: RoomError.notAllowed) { try await bob.setTopic("bob's", in: dev) }
        try await alice.setTopic("Planning", in: dev)
        guard case .topicChanged(let topic, let setter?)? = bobMind.roomEvents(dev).last else {
            Issue.record("bob must see the new topic")
            return
        }
        #expect(topic == Topic(text: "Planning", setBy: nick("alice"), at: fixedNow))
        #expect(setter.session == alice.id)
        #expect(setter.nick == nick("alice"))
        var configuration = RoomConfiguration()
        configuration.topicRestricted = false
        await #expect(throws: RoomError.notAllowed) { try await bob.configure(dev, configuration) }
        try await alice.configure(dev, configuration)
        guard case .configurationChanged(let changed, let admin?)? = bobMind.roomEvents(dev).last else {
            Issue.record("bob must see the new configuration")
            return
        }
        #expect(changed == configuration)
        #expect(admin.session == alice.id)
        #expect(admin.nick == nick("alice"))
        try await bob.setTopic("bob's", in: dev)
        #expect(await service.room(dev)?.snapshot.topic?.text == "bob's")
        await #expect(throws: RoomError.notInRoom) { try await bob.setTopic("x", in: roomID("elsewhere")) }
        await closeAll([alice, bob])
    }

    @Test func privateMessagesThroughTheService() async throws {
        let service = makeService()
        let bobMind = RecordingMind(), carolMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        let carol = try await service.openSession(for: user("carol"), resource: "r", mind: carolMind)
        try await alice.join(dev, as: nick("alice"))
        try await bob.join(dev, as: nick("bob"))
        try await carol.join(dev, as: nick("carol"))
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .occupant(dev, nick("BOB")), body: "psst"))
        guard case .privateMessage(let from, let message)? = bobMind.roomEvents(dev).last else {
            Issue.record("bob must get the private message")
            return
        }
        #expect(from.nick == nick("alice"))
        #expect(message.body == "psst")
        #expect(message.from == .occupant(dev, nick("alice")))
        #expect(!carolMind.roomEvents(dev).contains { if case .privateMessage = $0 { true } else { false } })
        await #expect(throws: DeliveryError.room(.noSuchOccupant)) {
            try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .occupant(dev, nick("nobody")), body: "?"))
        }
        let outsider = try await service.openSession(for: user("zed"), resource: "r", mind: RecordingMind())
        await #expect(throws: DeliveryError.room(.notInRoom)) {
            try await outsider.send(Message(kind: .chat, from: .session(outsider.id), to: .occupant(dev, nick("bob")), body: "?"))
        }
        await closeAll([alice, bob, carol, outsider])
    }

    @Test func externalMessagesThroughTheService() async throws {
        let service = makeService()
        let aliceMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let outsider = try await service.openSession(for: user("zed"), resource: "r", mind: RecordingMind())
        try await alice.join(dev, as: nick("alice"))
        await #expect(throws: DeliveryError.room(.notInRoom)) {
            try await outsider.send(Message(kind: .room, from: .session(outsider.id), to: .room(dev), body: "spam"))
        }
        await #expect(throws: DeliveryError.room(.noSuchRoom)) {
            try await outsider.send(Message(kind: .room, from: .session(outsider.id), to: .room(roomID("nowhere")), body: "?"))
        }
        var open = RoomConfiguration()
        open.allowsExternalMessages = true
        try await alice.configure(dev, open)
        try await outsider.send(Message(kind: .room, from: .user(user("mallory")), to: .room(dev), body: "from outside"))
        #expect(aliceMind.roomMessages(dev).last?.from == .session(outsider.id))
        #expect(aliceMind.roomMessages(dev).last?.body == "from outside")
        await closeAll([alice, outsider])
    }

    @Test func invitationReachesEverySessionAndLetsTheUserIn() async throws {
        let service = makeService()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let carolMind = RecordingMind()
        let carol = try await service.openSession(for: user("carol"), resource: "r", mind: carolMind)  // not available
        try await alice.join(dev, as: nick("alice"))
        var membersOnly = RoomConfiguration()
        membersOnly.membersOnly = true
        try await alice.configure(dev, membersOnly)
        await #expect(throws: RoomError.membersOnly) { try await carol.join(dev, as: nick("carol")) }
        try await alice.invite(user("carol"), to: dev, reason: "come along")
        #expect(carolMind.events.last == .invitation(room: dev, from: user("alice"), reason: "come along"))
        try await carol.join(dev, as: nick("carol"))
        await carol.leave(dev)
        await #expect(throws: RoomError.membersOnly) { try await carol.join(dev, as: nick("carol")) }
        await closeAll([alice, carol])
    }

    @Test func presenceChangesReachTheRoomsOfTheSession() async throws {
        let service = makeService()
        let bobMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        try await alice.join(dev, as: nick("alice"))
        try await bob.join(dev, as: nick("bob"))
        let away = Presence(.away, status: "lunch")
        await alice.setPresence(away)
        guard case .occupantChanged(_, let new, let by?)? = bobMind.roomEvents(dev).last else {
            Issue.record("bob must see alice's new presence in the room")
            return
        }
        #expect(by.session == alice.id)
        #expect(new.presence == away)
        await closeAll([alice, bob])
    }

    @Test func closingASessionLeavesItsRooms() async throws {
        let service = makeService()
        let aliceMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: RecordingMind())
        try await alice.join(dev, as: nick("alice"))
        try await bob.join(dev, as: nick("bob"))
        await bob.close()
        #expect(aliceMind.roomEvents(dev).last.map {
            if case .occupantLeft(let occupant, .disconnected(nil)) = $0 { occupant.nick == nick("bob") } else { false }
        } == true)
        #expect(bob.joinedRooms.isEmpty)
        #expect(await service.room(dev)?.snapshot.occupant(of: bob.id) == nil)
        await alice.close()
    }

    @Test func maxRoomsPerSessionIsEnforced() async throws {
        let service = makeService { $0.maxRoomsPerSession = 2 }
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        try await alice.join(roomID("one"), as: nick("alice"))
        try await alice.join(roomID("two"), as: nick("alice"))
        await #expect(throws: RoomError.tooManyRooms) { try await alice.join(roomID("three"), as: nick("alice")) }
        #expect(service.room(roomID("three")) == nil)
        // Re-joining a room already joined is not a new room.
        try await alice.join(roomID("two"), as: nick("alice2"))
        await alice.leave(roomID("one"))
        try await alice.join(roomID("three"), as: nick("alice"))
        // A room this session was kicked from no longer counts either.
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: RecordingMind())
        try await bob.join(roomID("two"), as: nick("bob"))
        try await alice.setRole(.none, of: nick("bob"), in: roomID("two"))
        try await bob.join(roomID("four"), as: nick("bob"))
        try await bob.join(roomID("five"), as: nick("bob"))
        #expect(Set(bob.joinedRooms) == [roomID("four"), roomID("five")])
        await closeAll([alice, bob])
    }

    @Test func payloadsCrossTheRoomLosslesslyForTheSameProtocol() async throws {
        let table = TranslationTable(rules: TranslationTable.standard.rules)
        let service = ChatService(
            configuration: ChatServiceConfiguration(domain: domain), contacts: InMemoryContactListStore(),
            executors: .queues(count: 2), translation: table, clock: { fixedNow })
        let ircMind = RecordingMind(.irc), otherIRCMind = RecordingMind(.irc), xmppMind = RecordingMind(.xmpp)
        let sender = try await service.openSession(for: user("alice"), resource: "irc", mind: ircMind)
        let ircReader = try await service.openSession(for: user("bob"), resource: "irc", mind: otherIRCMind)
        let xmppReader = try await service.openSession(for: user("carol"), resource: "xmpp", mind: xmppMind)
        for (session, name) in [(sender, "alice"), (ircReader, "bob"), (xmppReader, "carol")] {
            try await session.join(dev, as: nick(name))
        }
        let mood = NativePayload(family: .irc, key: "+example.com/mood", value: "sleepy")
        let reply = ExtensionPayload(meaning: .reply(to: "m0"), native: NativePayload(family: .irc, key: "+draft/reply", value: "m0"))
        try await sender.send(Message(kind: .room, from: .session(sender.id), to: .room(dev), body: "hi", payloads: [ExtensionPayload(native: mood), reply]))
        let atIRC = try #require(otherIRCMind.roomMessages(dev).last)
        let atXMPP = try #require(xmppMind.roomMessages(dev).last)
        #expect(atIRC.payloads == [ExtensionPayload(native: mood), reply])
        #expect(table.deliveries(of: atIRC.payloads, to: otherIRCMind.protocolFamily) == [.native(mood), .native(reply.native!)])
        let forXMPP = table.deliveries(of: atXMPP.payloads, to: xmppMind.protocolFamily)
        #expect(forXMPP.count == 2)
        guard case .drop = forXMPP[0] else {
            Issue.record("an unknown IRC tag cannot be rendered for XMPP")
            return
        }
        #expect(forXMPP[1] == .render(.reply(to: "m0"), .xmlElement(namespace: "urn:xmpp:reply:0", name: "reply")))
        #expect(table.dropCounts.values.reduce(0, +) == 1)
        #expect(service.translation === table)
        await closeAll([sender, ircReader, xmppReader])
    }
}
