import Foundation
import ParleyCore
import Synchronization
import Testing

@Suite("Chat service: sessions, presence and routing")
struct ChatServiceTests {
    // MARK: Sessions and presence

    @Test func severalSessionsEachWithItsOwnPresence() async throws {
        let service = makeService()
        let alice = user("alice")
        let phone = try await service.openSession(for: alice, resource: "phone", mind: RecordingMind())
        let laptop = try await service.openSession(for: alice, resource: "laptop", mind: RecordingMind())
        #expect(phone.id == SessionID(user: alice, resource: "phone"))
        #expect(phone.user == alice)
        // Nothing announced yet: the user is unavailable.
        #expect(await service.presence(of: alice) == .unavailable)
        #expect(await service.availableSessions(of: alice).isEmpty)

        let away = Presence(.away, status: "on the bus", priority: 1)
        let here = Presence(.available, status: "at my desk", priority: 5)
        await phone.setPresence(away)
        await laptop.setPresence(here)
        #expect(await service.availableSessions(of: alice) == [phone.id: away, laptop.id: here])
        #expect(await service.presence(of: alice) == here)

        // The laptop goes unavailable: the phone's presence is the user's again.
        await laptop.setPresence(.unavailable)
        #expect(await service.presence(of: alice) == away)
        #expect(await service.availableSessions(of: alice) == [phone.id: away])

        await phone.close()
        #expect(phone.isClosed)
        #expect(await service.presence(of: alice) == .unavailable)
        await laptop.close()
        #expect(await service.availableSessions(of: alice).isEmpty)
    }

    @Test func derivedPresenceUsesReachabilityOnPriorityTies() async throws {
        let service = makeService()
        let a = try await service.openSession(for: user("alice"), resource: "a", mind: RecordingMind())
        let b = try await service.openSession(for: user("alice"), resource: "b", mind: RecordingMind())
        await a.setPresence(Presence(.dnd, priority: 2))
        await b.setPresence(Presence(.chat, priority: 2))
        #expect(await service.presence(of: user("alice")).availability == .chat)
        await closeAll([a, b])
    }

    @Test func ownSessionsSeeEachOthersPresence() async throws {
        let service = makeService()
        let phoneMind = RecordingMind()
        let laptopMind = RecordingMind()
        let phone = try await service.openSession(for: user("alice"), resource: "phone", mind: phoneMind)
        let laptop = try await service.openSession(for: user("alice"), resource: "laptop", mind: laptopMind)
        await phone.setPresence(Presence(.away))
        // The laptop is not available yet, so it is not told.
        #expect(laptopMind.presences.isEmpty)
        await laptop.setPresence(Presence(.available))
        // On its initial presence the laptop learns the phone's, and the phone the laptop's.
        #expect(laptopMind.presences.map(\.0) == [phone.id])
        #expect(laptopMind.presences.map(\.1) == [Presence(.away)])
        #expect(phoneMind.presences.map(\.0) == [laptop.id])
        await laptop.close()
        #expect(phoneMind.presences.last?.0 == laptop.id)
        #expect(phoneMind.presences.last?.1 == .unavailable)
        await phone.close()
    }

    @Test func generatedResourceNamesAreUnique() async throws {
        let service = makeService()
        var ids: Set<SessionID> = []
        var sessions: [ChatSession] = []
        for _ in 0..<5 {
            let session = try await service.openSession(for: user("alice"), mind: RecordingMind())
            #expect(!session.id.resource.isEmpty)
            ids.insert(session.id)
            sessions.append(session)
        }
        #expect(ids.count == 5)
        await closeAll(sessions)
    }

    @Test func sessionsOnlyForTheServiceDomain() async {
        let service = makeService()
        await #expect(throws: SessionError.wrongDomain) {
            try await service.openSession(for: UserID(localpart: "alice", domain: "elsewhere.org"), mind: RecordingMind())
        }
    }

    @Test func sameResourceReplacesTheOldSession() async throws {
        let service = makeService()
        let oldMind = RecordingMind()
        let newMind = RecordingMind()
        let old = try await service.openSession(for: user("alice"), resource: "phone", mind: oldMind)
        await old.setPresence(Presence())
        let new = try await service.openSession(for: user("alice"), resource: "phone", mind: newMind)
        #expect(oldMind.events.last == .closed(.replaced))
        #expect(old.isClosed)
        #expect(!new.isClosed)
        #expect(!newMind.events.contains(.closed(.replaced)))
        await #expect(throws: DeliveryError.sessionClosed) {
            try await old.send(Message(from: .session(old.id), to: .user(user("bob")), body: "late"))
        }
        // Messages to the full address reach the new session only.
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: RecordingMind())
        try await bob.send(Message(kind: .chat, from: .session(bob.id), to: .session(new.id), body: "hi"))
        #expect(newMind.messages.map(\.body) == ["hi"])
        #expect(oldMind.messages.isEmpty)
        await closeAll([new, bob])
    }

    @Test func replacedSessionLeavesItsRooms() async throws {
        let service = makeService()
        let dev = roomID("dev")
        let watcherMind = RecordingMind()
        let watcher = try await service.openSession(for: user("bob"), resource: "r", mind: watcherMind)
        try await watcher.join(dev, as: nick("bob"))
        let old = try await service.openSession(for: user("alice"), resource: "phone", mind: RecordingMind())
        try await old.join(dev, as: nick("alice"))
        let new = try await service.openSession(for: user("alice"), resource: "phone", mind: RecordingMind())
        #expect(await service.room(dev)?.snapshot.occupants[nick("alice")] == nil)
        #expect(watcherMind.roomEvents(dev).contains {
            if case .occupantLeft(let occupant, _) = $0 { occupant.nick == nick("alice") } else { false }
        })
        await closeAll([new, watcher])
    }

    @Test func maxSessionsPerUserIsEnforced() async throws {
        let service = makeService { $0.maxSessionsPerUser = 2 }
        let a = try await service.openSession(for: user("alice"), resource: "a", mind: RecordingMind())
        let b = try await service.openSession(for: user("alice"), resource: "b", mind: RecordingMind())
        await #expect(throws: SessionError.tooManySessions) {
            try await service.openSession(for: user("alice"), resource: "c", mind: RecordingMind())
        }
        await #expect(throws: SessionError.tooManySessions) {
            try await service.openSession(for: user("alice"), mind: RecordingMind())
        }
        // Another user is not affected.
        let bob = try await service.openSession(for: user("bob"), resource: "a", mind: RecordingMind())
        // Closing one frees a slot.
        await a.close()
        let c = try await service.openSession(for: user("alice"), resource: "c", mind: RecordingMind())
        await closeAll([b, c, bob])
    }

    @Test func replacingASessionAtTheLimitIsAllowed() async throws {
        let service = makeService { $0.maxSessionsPerUser = 1 }
        let oldMind = RecordingMind()
        _ = try await service.openSession(for: user("alice"), resource: "phone", mind: oldMind)
        // The same name replaces the session; it does not add one.
        let new = try await service.openSession(for: user("alice"), resource: "phone", mind: RecordingMind())
        #expect(oldMind.events.last == .closed(.replaced))
        await #expect(throws: SessionError.tooManySessions) {
            try await service.openSession(for: user("alice"), resource: "laptop", mind: RecordingMind())
        }
        await new.close()
    }

    @Test func maxSessionsPerUserHoldsUnderConcurrentOpens() async throws {
        let service = makeService { $0.maxSessionsPerUser = 3 }
        let opened = await withTaskGroup(of: ChatSession?.self) { group in
            for index in 0..<20 {
                group.addTask { try? await service.openSession(for: user("alice"), resource: "r\(index)", mind: RecordingMind()) }
            }
            var opened: [ChatSession] = []
            for await session in group { if let session { opened.append(session) } }
            return opened
        }
        #expect(opened.count == 3)
        for session in opened { await session.setPresence(Presence()) }
        #expect(await service.availableSessions(of: user("alice")).count == 3)
        await closeAll(opened)
    }

    // MARK: Messages

    @Test func sendStampsTheSessionAsSenderAndKeepsEverythingElse() async throws {
        let service = makeService()
        let bobMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        await bob.setPresence(Presence())
        let element = TestElement(namespace: "urn:example:unknown:0", name: "blob", attributes: ["k": "v"])
        let payloads = [
            ExtensionPayload(native: NativePayload(family: .xmpp, key: "{urn:example:unknown:0}blob", value: element)),
            ExtensionPayload(meaning: .reply(to: "m0")),
        ]
        let forged = Message(
            id: "m1", kind: .chat, from: .session(session("mallory", "evil")), to: .user(user("bob")), body: "hello",
            subject: "s", thread: "t1", payloads: payloads)
        try await alice.send(forged)
        let received = try #require(bobMind.messages.first)
        #expect(bobMind.messages.count == 1)
        #expect(received.from == .session(alice.id))
        #expect(received.id == "m1")
        #expect(received.kind == .chat)
        #expect(received.to == .user(user("bob")))
        #expect(received.body == "hello")
        #expect(received.subject == "s")
        #expect(received.thread == "t1")
        #expect(received.timestamp == fixedNow)
        #expect(received.payloads == payloads)
        await closeAll([alice, bob])
    }

    @Test func chatToBareAddressGoesToHighestPrioritySessions() async throws {
        let service = makeService()
        let low = RecordingMind(), highA = RecordingMind(), highB = RecordingMind(), silent = RecordingMind()
        let bobLow = try await service.openSession(for: user("bob"), resource: "low", mind: low)
        let bobHighA = try await service.openSession(for: user("bob"), resource: "highA", mind: highA)
        let bobHighB = try await service.openSession(for: user("bob"), resource: "highB", mind: highB)
        let bobSilent = try await service.openSession(for: user("bob"), resource: "silent", mind: silent)  // never announced
        await bobLow.setPresence(Presence(priority: 1))
        await bobHighA.setPresence(Presence(.away, priority: 7))
        await bobHighB.setPresence(Presence(.chat, priority: 7))
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        for kind in [Message.Kind.chat, .normal] {
            try await alice.send(Message(kind: kind, from: .session(alice.id), to: .user(user("bob")), body: "\(kind)"))
        }
        #expect(highA.messages.map(\.body) == ["chat", "normal"])
        #expect(highB.messages.map(\.body) == ["chat", "normal"])
        #expect(low.messages.isEmpty)
        #expect(silent.messages.isEmpty)
        await closeAll([bobLow, bobHighA, bobHighB, bobSilent, alice])
    }

    @Test func negativePriorityNeverGetsBareMessages() async throws {
        let service = makeService()
        let hiddenMind = RecordingMind()
        let hidden = try await service.openSession(for: user("bob"), resource: "hidden", mind: hiddenMind)
        await hidden.setPresence(Presence(priority: -1))
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        for kind in [Message.Kind.chat, .normal, .headline] {
            await #expect(throws: DeliveryError.recipientUnavailable) {
                try await alice.send(Message(kind: kind, from: .session(alice.id), to: .user(user("bob")), body: "x"))
            }
        }
        #expect(hiddenMind.messages.isEmpty)
        // A zero-priority session gets it; the negative one still does not.
        let shownMind = RecordingMind()
        let shown = try await service.openSession(for: user("bob"), resource: "shown", mind: shownMind)
        await shown.setPresence(Presence(priority: 0))
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .user(user("bob")), body: "now"))
        #expect(shownMind.messages.map(\.body) == ["now"])
        #expect(hiddenMind.messages.isEmpty)
        // But a full address reaches the negative-priority session.
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .session(hidden.id), body: "direct"))
        #expect(hiddenMind.messages.map(\.body) == ["direct"])
        await closeAll([hidden, shown, alice])
    }

    @Test func headlineGoesToEveryNonNegativeSession() async throws {
        let service = makeService()
        let zero = RecordingMind(), five = RecordingMind(), negative = RecordingMind()
        let a = try await service.openSession(for: user("bob"), resource: "zero", mind: zero)
        let b = try await service.openSession(for: user("bob"), resource: "five", mind: five)
        let c = try await service.openSession(for: user("bob"), resource: "negative", mind: negative)
        await a.setPresence(Presence(priority: 0))
        await b.setPresence(Presence(priority: 5))
        await c.setPresence(Presence(priority: -3))
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        try await alice.send(Message(kind: .headline, from: .session(alice.id), to: .user(user("bob")), body: "news"))
        #expect(zero.messages.map(\.body) == ["news"])
        #expect(five.messages.map(\.body) == ["news"])
        #expect(negative.messages.isEmpty)
        await closeAll([a, b, c, alice])
    }

    @Test func noAvailableSessionIsRecipientUnavailable() async throws {
        let service = makeService()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        // A user who never connected.
        await #expect(throws: DeliveryError.recipientUnavailable) {
            try await alice.send(Message(from: .session(alice.id), to: .user(user("nobody")), body: "x"))
        }
        // A connected session that never sent presence is not available.
        let quietMind = RecordingMind()
        let quiet = try await service.openSession(for: user("bob"), resource: "r", mind: quietMind)
        await #expect(throws: DeliveryError.recipientUnavailable) {
            try await alice.send(Message(from: .session(alice.id), to: .user(user("bob")), body: "x"))
        }
        #expect(quietMind.messages.isEmpty)
        // One that went unavailable is not either.
        await quiet.setPresence(Presence())
        await quiet.setPresence(.unavailable)
        await #expect(throws: DeliveryError.recipientUnavailable) {
            try await alice.send(Message(from: .session(alice.id), to: .user(user("bob")), body: "x"))
        }
        #expect(quietMind.messages.isEmpty)
        // Another domain is not routable from here.
        await #expect(throws: DeliveryError.notRoutable("elsewhere.org")) {
            try await alice.send(Message(from: .session(alice.id), to: .user(UserID(localpart: "x", domain: "elsewhere.org")), body: "x"))
        }
        await closeAll([alice, quiet])
    }

    @Test func fullAddressGoesToThatSessionOnly() async throws {
        let service = makeService()
        let high = RecordingMind(), low = RecordingMind()
        let bobHigh = try await service.openSession(for: user("bob"), resource: "high", mind: high)
        let bobLow = try await service.openSession(for: user("bob"), resource: "low", mind: low)
        await bobHigh.setPresence(Presence(priority: 10))
        await bobLow.setPresence(Presence(priority: 0))
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .session(bobLow.id), body: "to low"))
        #expect(low.messages.map(\.body) == ["to low"])
        #expect(high.messages.isEmpty)
        await closeAll([bobHigh, bobLow, alice])
    }

    @Test func fullAddressToMissingResourceFallsBackToBareForChatAndNormal() async throws {
        let service = makeService()
        let mind = RecordingMind()
        let bob = try await service.openSession(for: user("bob"), resource: "home", mind: mind)
        await bob.setPresence(Presence())
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let missing = session("bob", "gone")
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .session(missing), body: "chat"))
        try await alice.send(Message(kind: .normal, from: .session(alice.id), to: .session(missing), body: "normal"))
        #expect(mind.messages.map(\.body) == ["chat", "normal"])
        // The original addressing is kept.
        #expect(mind.messages.first?.to == .session(missing))
        // A headline to a missing resource is not delivered.
        await #expect(throws: DeliveryError.recipientUnavailable) {
            try await alice.send(Message(kind: .headline, from: .session(alice.id), to: .session(missing), body: "headline"))
        }
        #expect(mind.messages.count == 2)
        await closeAll([bob, alice])
    }

    @Test func oneFailingSessionDoesNotStopBareDelivery() async throws {
        let service = makeService()
        let good = RecordingMind(), bad = RecordingMind()
        let bobGood = try await service.openSession(for: user("bob"), resource: "good", mind: good)
        let bobBad = try await service.openSession(for: user("bob"), resource: "bad", mind: bad)
        await bobGood.setPresence(Presence(priority: 1))
        await bobBad.setPresence(Presence(priority: 1))
        bad.setFailing(true)
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .user(user("bob")), body: "one"))
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .user(user("bob")), body: "two"))
        #expect(good.messages.map(\.body) == ["one", "two"])
        // The unreachable session is closed and no longer counted as available.
        try await waitUntil("the failing session to be closed") { bobBad.isClosed ? true : nil }
        #expect(await service.availableSessions(of: user("bob")).keys.sorted { $0.resource < $1.resource } == [bobGood.id])
        await closeAll([bobGood, alice])
    }

    @Test func unreachableSessionGoesUnavailableForItsSubscribers() async throws {
        let service = makeService()
        let aliceMind = RecordingMind(), bobMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        await alice.setPresence(Presence())
        await bob.setPresence(Presence())
        try await alice.sendSubscription(.subscribe, to: user("bob"))
        try await bob.sendSubscription(.subscribed, to: user("alice"))
        #expect(aliceMind.presences.last?.0 == bob.id)
        #expect(aliceMind.presences.last?.1 == Presence())
        // Bob's connection dies; the service finds out when it next delivers to him.
        bobMind.setFailing(true)
        try? await alice.send(Message(kind: .chat, from: .session(alice.id), to: .user(user("bob")), body: "there?"))
        try await waitForEvent(aliceMind, "bob's unavailable presence") {
            $0 == .presence(from: bob.id, .unavailable)
        }
        #expect(await service.presence(of: user("bob")) == .unavailable)
        await alice.close()
    }

    // MARK: Directed presence

    @Test func directedPresenceAndItsUnavailableOnClose() async throws {
        let service = makeService()
        let bobMind = RecordingMind()
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        await bob.setPresence(Presence())
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        try await alice.sendDirectedPresence(Presence(.chat, status: "hi bob"), to: bob.id)
        #expect(bobMind.presences.map(\.1) == [Presence(.chat, status: "hi bob")])
        #expect(bobMind.presences.map(\.0) == [alice.id])
        await #expect(throws: DeliveryError.recipientUnavailable) {
            try await alice.sendDirectedPresence(Presence(), to: session("nobody"))
        }
        await #expect(throws: DeliveryError.notRoutable("elsewhere.org")) {
            try await alice.sendDirectedPresence(Presence(), to: SessionID(user: UserID(localpart: "x", domain: "elsewhere.org"), resource: "r"))
        }
        await alice.setPresence(Presence())  // first broadcast presence: bob is no subscriber
        #expect(bobMind.presences.count == 1)
        await alice.close()
        #expect(bobMind.presences.last?.0 == alice.id)
        #expect(bobMind.presences.last?.1 == .unavailable)
        await bob.close()
    }

    // MARK: Shutdown

    @Test func shutdownTellsEverySessionAndEmptiesRooms() async throws {
        let service = makeService()
        let aliceMind = RecordingMind(), bobMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        try await alice.join(roomID("dev"), as: nick("alice"))
        try await bob.join(roomID("dev"), as: nick("bob"))
        await service.shutdown()
        #expect(aliceMind.events.last == .closed(.shutdown))
        #expect(bobMind.events.last == .closed(.shutdown))
        #expect(bobMind.roomEvents(roomID("dev")).contains {
            if case .occupantLeft(let occupant, .shutdown) = $0 { occupant.nick == nick("bob") } else { false }
        })
        #expect(await service.room(roomID("dev"))?.snapshot.isEmpty ?? true)
        await closeAll([alice, bob])
    }

    // MARK: Executors

    @Test func executorPoolIsStablePerKey() {
        let pool = ExecutorPool.queues(count: 2)
        #expect(pool.executors.count == 2)
        let first = pool.executor(for: roomID("dev"))
        let again = pool.executor(for: roomID("DEV"))
        let sameExecutor = ObjectIdentifier(first as AnyObject) == ObjectIdentifier(again as AnyObject)
        #expect(sameExecutor)
        #expect(ExecutorPool.queues(count: 0).executors.count == 1)
    }
}
