import ParleyCore
import Testing

@Suite("Contact lists, subscriptions and presence broadcast")
struct ContactFlowTests {
    func contactUpdates(_ mind: RecordingMind) -> [(Contact, UInt64)] {
        mind.events.compactMap { if case .contactUpdated(let contact, let version) = $0 { (contact, version) } else { nil } }
    }

    func subscriptionRequests(_ mind: RecordingMind) -> [(UserID, SubscriptionRequest)] {
        mind.events.compactMap { if case .subscription(let from, let request) = $0 { (from, request) } else { nil } }
    }

    func state(of contact: UserID, in list: ContactList) -> RFCState? {
        list[contact].flatMap { RFCState($0.subscription) }
    }

    /// alice (two sessions) and bob, all available.
    struct Pair {
        let service: ChatService
        let store: InMemoryContactListStore
        let alicePhone: ChatSession, aliceLaptop: ChatSession, bob: ChatSession
        let alicePhoneMind = RecordingMind(), aliceLaptopMind = RecordingMind(), bobMind = RecordingMind()
        let bobPresence = Presence(.chat, status: "ready", priority: 3)

        init() async throws {
            store = InMemoryContactListStore()
            service = makeService(contacts: store)
            alicePhone = try await service.openSession(for: user("alice"), resource: "phone", mind: alicePhoneMind)
            aliceLaptop = try await service.openSession(for: user("alice"), resource: "laptop", mind: aliceLaptopMind)
            bob = try await service.openSession(for: user("bob"), resource: "desk", mind: bobMind)
            await alicePhone.setPresence(Presence())
            await aliceLaptop.setPresence(Presence(.away))
            await bob.setPresence(bobPresence)
        }

        func clear() { [alicePhoneMind, aliceLaptopMind, bobMind].forEach { $0.clear() } }

        func close() async { await closeAll([alicePhone, aliceLaptop, bob]) }

        func subscribeAliceToBob() async throws {
            try await alicePhone.sendSubscription(.subscribe, to: user("bob"))
            try await bob.sendSubscription(.subscribed, to: user("alice"))
        }
    }

    @Test func subscribeHandshake() async throws {
        let pair = try await Pair()
        // Strangers do not see each other's presence.
        #expect(!pair.alicePhoneMind.presences.contains { $0.0.user == user("bob") })
        #expect(!pair.bobMind.presences.contains { $0.0.user == user("alice") })

        // alice asks.
        try await pair.alicePhone.sendSubscription(.subscribe, to: user("bob"))
        for mind in [pair.alicePhoneMind, pair.aliceLaptopMind] {
            let pushes = contactUpdates(mind)
            #expect(pushes.count == 1)
            #expect(pushes.first?.0.address == user("bob"))
            #expect(pushes.first.map { RFCState($0.0.subscription) } == .nonePendingOut)
            #expect(pushes.first?.1 == 1)
        }
        let bobPushes = contactUpdates(pair.bobMind)
        #expect(bobPushes.count == 1)
        #expect(bobPushes.first?.0.address == user("alice"))
        #expect(bobPushes.first.map { RFCState($0.0.subscription) } == .nonePendingIn)
        #expect(subscriptionRequests(pair.bobMind).map(\.0) == [user("alice")])
        #expect(subscriptionRequests(pair.bobMind).map(\.1) == [.subscribe])
        #expect(subscriptionRequests(pair.alicePhoneMind).isEmpty)
        #expect(state(of: user("bob"), in: try await pair.alicePhone.contactList()) == .nonePendingOut)
        #expect(state(of: user("alice"), in: try await pair.bob.contactList()) == .nonePendingIn)
        // Nothing approved yet: no presence.
        #expect(!pair.alicePhoneMind.presences.contains { $0.0 == pair.bob.id })

        // bob approves.
        pair.clear()
        try await pair.bob.sendSubscription(.subscribed, to: user("alice"))
        #expect(state(of: user("bob"), in: try await pair.alicePhone.contactList()) == .to)
        #expect(state(of: user("alice"), in: try await pair.bob.contactList()) == .from)
        #expect(contactUpdates(pair.bobMind).map { RFCState($0.0.subscription) } == [.from])
        for mind in [pair.alicePhoneMind, pair.aliceLaptopMind] {
            #expect(contactUpdates(mind).map { RFCState($0.0.subscription) } == [.to])
            #expect(subscriptionRequests(mind).map(\.0) == [user("bob")])
            #expect(subscriptionRequests(mind).map(\.1) == [.subscribed])
            // alice now receives bob's presence.
            #expect(mind.presences.map(\.0) == [pair.bob.id])
            #expect(mind.presences.map(\.1) == [pair.bobPresence])
        }
        // bob does not receive alice's presence: that needs a subscription the other way.
        #expect(pair.bobMind.presences.isEmpty)
        await pair.close()
    }

    @Test func presenceIsBroadcastToSubscribersAndUnavailableOnClose() async throws {
        let pair = try await Pair()
        try await pair.subscribeAliceToBob()
        pair.clear()
        let busy = Presence(.dnd, status: "meeting", priority: 3)
        await pair.bob.setPresence(busy)
        #expect(pair.alicePhoneMind.presences.map(\.1) == [busy])
        #expect(pair.aliceLaptopMind.presences.map(\.1) == [busy])
        // alice's changes do not reach bob, who is not subscribed to her.
        await pair.alicePhone.setPresence(Presence(.xa))
        #expect(pair.bobMind.presences.isEmpty)
        // A session that is not available is not told.
        await pair.aliceLaptop.setPresence(.unavailable)
        pair.clear()
        await pair.bob.close()
        #expect(pair.alicePhoneMind.presences.map(\.0) == [pair.bob.id])
        #expect(pair.alicePhoneMind.presences.map(\.1) == [.unavailable])
        #expect(pair.aliceLaptopMind.presences.isEmpty)
        await closeAll([pair.alicePhone, pair.aliceLaptop])
    }

    @Test func replacedSessionIsAnnouncedUnavailable() async throws {
        let pair = try await Pair()
        try await pair.subscribeAliceToBob()
        pair.clear()
        // bob reconnects under the same session name; the old session was available.
        let newMind = RecordingMind()
        let newBob = try await pair.service.openSession(for: user("bob"), resource: "desk", mind: newMind)
        #expect(pair.bobMind.events.last == .closed(.replaced))
        #expect(pair.alicePhoneMind.presences.map(\.0) == [pair.bob.id])
        #expect(pair.alicePhoneMind.presences.map(\.1) == [.unavailable])
        #expect(await pair.service.presence(of: user("bob")) == .unavailable)
        // Until the new session announces itself, bare messages find nobody.
        await #expect(throws: DeliveryError.recipientUnavailable) {
            try await pair.alicePhone.send(Message(kind: .chat, from: .session(pair.alicePhone.id), to: .user(user("bob")), body: "?"))
        }
        await newBob.setPresence(Presence())
        #expect(pair.alicePhoneMind.presences.last?.1 == Presence())
        await closeAll([pair.alicePhone, pair.aliceLaptop, newBob])
    }

    @Test func initialPresenceProbeDeliversContactsCurrentPresence() async throws {
        let store = InMemoryContactListStore()
        // alice sees bob (to); bob's side agrees (from); carol is only listed, no subscription.
        try await store.updateContactList(of: Username("alice")!) { list in
            list.upsert(Contact(address: user("bob"), subscription: RFCState.to.subscription))
            list.upsert(Contact(address: user("carol")))
        }
        try await store.updateContactList(of: Username("bob")!) { list in
            list.upsert(Contact(address: user("alice"), subscription: RFCState.from.subscription))
        }
        let service = makeService(contacts: store)
        let bobMind = RecordingMind()
        let bob = try await service.openSession(for: user("bob"), resource: "desk", mind: bobMind)
        let bobOther = try await service.openSession(for: user("bob"), resource: "hidden", mind: RecordingMind())
        let carol = try await service.openSession(for: user("carol"), resource: "r", mind: RecordingMind())
        let bobPresence = Presence(.away, status: "out", priority: 1)
        await bob.setPresence(bobPresence)
        await carol.setPresence(Presence())
        // bobOther never announces itself.

        let aliceMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        #expect(aliceMind.presences.isEmpty)
        await alice.setPresence(Presence())
        #expect(aliceMind.presences.map(\.0) == [bob.id])
        #expect(aliceMind.presences.map(\.1) == [bobPresence])
        // Only the first available presence probes.
        await alice.setPresence(Presence(.away))
        #expect(aliceMind.presences.count == 1)
        // alice has no subscribers, so bob hears nothing of her.
        #expect(bobMind.presences.isEmpty)
        await closeAll([alice, bob, bobOther, carol])
    }

    @Test func preApprovalAnswersTheLaterRequest() async throws {
        let pair = try await Pair()
        // bob pre-approves alice before she asks (RFC 6121 §3.4): nothing is sent to alice.
        try await pair.bob.sendSubscription(.subscribed, to: user("alice"))
        #expect(try await pair.bob.contactList()[user("alice")]?.subscription.preApproved == true)
        #expect(subscriptionRequests(pair.alicePhoneMind).isEmpty)
        #expect(try await pair.alicePhone.contactList()[user("bob")] == nil)
        pair.clear()
        try await pair.alicePhone.sendSubscription(.subscribe, to: user("bob"))
        // bob is not asked; alice is answered at once and gets bob's presence.
        #expect(subscriptionRequests(pair.bobMind).isEmpty)
        #expect(subscriptionRequests(pair.alicePhoneMind).map(\.1) == [.subscribed])
        #expect(state(of: user("bob"), in: try await pair.alicePhone.contactList()) == .to)
        #expect(state(of: user("alice"), in: try await pair.bob.contactList()) == .from)
        #expect(contactUpdates(pair.bobMind).last.map { RFCState($0.0.subscription) } == .from)
        #expect(contactUpdates(pair.alicePhoneMind).last.map { RFCState($0.0.subscription) } == .to)
        #expect(pair.alicePhoneMind.presences.map(\.0) == [pair.bob.id])
        await pair.close()
    }

    @Test func repeatedRequestIsNotDeliveredAgain() async throws {
        let pair = try await Pair()
        try await pair.alicePhone.sendSubscription(.subscribe, to: user("bob"))
        try await pair.alicePhone.sendSubscription(.subscribe, to: user("bob"))
        #expect(subscriptionRequests(pair.bobMind).count == 1)
        // Once subscribed, a new request is answered for bob without asking him.
        try await pair.bob.sendSubscription(.subscribed, to: user("alice"))
        pair.clear()
        try await pair.alicePhone.sendSubscription(.subscribe, to: user("bob"))
        #expect(subscriptionRequests(pair.bobMind).isEmpty)
        #expect(subscriptionRequests(pair.alicePhoneMind).map(\.1) == [.subscribed])
        await pair.close()
    }

    @Test func denyingARequest() async throws {
        let pair = try await Pair()
        try await pair.alicePhone.sendSubscription(.subscribe, to: user("bob"))
        pair.clear()
        try await pair.bob.sendSubscription(.unsubscribed, to: user("alice"))
        #expect(state(of: user("bob"), in: try await pair.alicePhone.contactList()) == RFCState.none)
        #expect(state(of: user("alice"), in: try await pair.bob.contactList()) == RFCState.none)
        #expect(subscriptionRequests(pair.alicePhoneMind).map(\.1) == [.unsubscribed])
        #expect(!pair.alicePhoneMind.presences.contains { $0.1.availability.isOnline })
        await pair.close()
    }

    @Test func revokingASubscriptionStopsPresence() async throws {
        let pair = try await Pair()
        try await pair.subscribeAliceToBob()
        pair.clear()
        try await pair.bob.sendSubscription(.unsubscribed, to: user("alice"))
        #expect(state(of: user("bob"), in: try await pair.alicePhone.contactList()) == RFCState.none)
        #expect(state(of: user("alice"), in: try await pair.bob.contactList()) == RFCState.none)
        // alice is told bob is gone for her.
        #expect(pair.alicePhoneMind.presences.map(\.0) == [pair.bob.id])
        #expect(pair.alicePhoneMind.presences.map(\.1) == [.unavailable])
        pair.clear()
        await pair.bob.setPresence(Presence(.away))
        #expect(pair.alicePhoneMind.presences.isEmpty)
        await pair.close()
    }

    @Test func unsubscribingStopsPresence() async throws {
        let pair = try await Pair()
        try await pair.subscribeAliceToBob()
        pair.clear()
        try await pair.alicePhone.sendSubscription(.unsubscribe, to: user("bob"))
        #expect(state(of: user("bob"), in: try await pair.alicePhone.contactList()) == RFCState.none)
        #expect(state(of: user("alice"), in: try await pair.bob.contactList()) == RFCState.none)
        #expect(subscriptionRequests(pair.bobMind).map(\.1) == [.unsubscribe])
        #expect(pair.alicePhoneMind.presences.map(\.1) == [.unavailable])
        pair.clear()
        await pair.bob.setPresence(Presence(.away))
        #expect(pair.alicePhoneMind.presences.isEmpty)
        await pair.close()
    }

    @Test func removingAContactCancelsBothWays() async throws {
        let pair = try await Pair()
        try await pair.subscribeAliceToBob()
        try await pair.bob.sendSubscription(.subscribe, to: user("alice"))
        try await pair.alicePhone.sendSubscription(.subscribed, to: user("bob"))
        #expect(state(of: user("bob"), in: try await pair.alicePhone.contactList()) == .both)
        pair.clear()
        try await pair.alicePhone.removeContact(user("bob"))
        #expect(try await pair.alicePhone.contactList()[user("bob")] == nil)
        #expect(state(of: user("alice"), in: try await pair.bob.contactList()) == RFCState.none)
        for mind in [pair.alicePhoneMind, pair.aliceLaptopMind] {
            #expect(mind.events.contains {
                if case .contactRemoved(let address, _) = $0 { address == user("bob") } else { false }
            })
        }
        #expect(Set(subscriptionRequests(pair.bobMind).map(\.1)) == [.unsubscribe, .unsubscribed])
        // Removing an unknown contact does nothing.
        pair.clear()
        try await pair.alicePhone.removeContact(user("nobody"))
        #expect(pair.alicePhoneMind.events.isEmpty)
        await pair.close()
    }

    @Test func updatingAContactKeepsItsSubscriptionAndPushesToEverySession() async throws {
        let pair = try await Pair()
        try await pair.subscribeAliceToBob()
        let quietMind = RecordingMind()
        let quiet = try await pair.service.openSession(for: user("alice"), resource: "quiet", mind: quietMind)  // not available
        pair.clear()
        try await pair.alicePhone.updateContact(user("bob"), name: "Bobby", groups: ["Friends", "Work"])
        let contact = try #require(try await pair.alicePhone.contactList()[user("bob")])
        #expect(contact.name == "Bobby")
        #expect(contact.groups == ["Work", "Friends"])
        #expect(RFCState(contact.subscription) == .to)
        for mind in [pair.alicePhoneMind, pair.aliceLaptopMind, quietMind] {
            #expect(contactUpdates(mind).map(\.0) == [contact])
        }
        #expect(contactUpdates(pair.bobMind).isEmpty)
        let version = try await pair.alicePhone.contactList().version
        #expect(contactUpdates(quietMind).first?.1 == version)
        await quiet.close()
        await pair.close()
    }
}
