import Foundation
import ParleyCore
import Synchronization
import Testing

/// XEP-0191 blocking in the model: nothing passes between a user and an address it blocks.
@Suite("Blocking")
struct BlockingTests {
    /// Block lists in memory, counting writes.
    final class MemoryBlockLists: BlockListStore {
        let lists = Mutex<[Username: BlockList]>([:])
        func blockList(of user: Username) throws -> BlockList { lists.withLock { $0[user] ?? BlockList() } }
        func setBlockList(_ list: BlockList, of user: Username) throws { lists.withLock { $0[user] = list } }
    }

    /// alice and bob, mutually subscribed and available; alice's list in `store`.
    func friends() async throws -> (ChatService, ChatSession, ChatSession, RecordingMind, RecordingMind, MemoryBlockLists) {
        let service = makeService()
        let store = MemoryBlockLists()
        service.attachBlockListStore(store)
        let aliceMind = RecordingMind(), bobMind = RecordingMind()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: aliceMind)
        let bob = try await service.openSession(for: user("bob"), resource: "r", mind: bobMind)
        await alice.setPresence(Presence())
        await bob.setPresence(Presence())
        for (one, other) in [(alice, bob), (bob, alice)] {
            try await one.sendSubscription(.subscribe, to: other.user)
            try await other.sendSubscription(.subscribed, to: one.user)
        }
        aliceMind.clear()
        bobMind.clear()
        return (service, alice, bob, aliceMind, bobMind, store)
    }

    func chat(_ from: ChatSession, to: UserID, _ body: String) -> Message {
        Message(kind: .chat, from: .session(from.id), to: .user(to), body: body)
    }

    @Test func blockingCutsMessagesAndPresenceBothWaysUntilUnblocked() async throws {
        let (_, alice, bob, aliceMind, bobMind, store) = try await friends()
        try await alice.block([BlockedAddress(user: user("bob"))])
        #expect(store.lists.withLock { $0[Username("alice")!] }?.addresses == [BlockedAddress(user: user("bob"))])
        #expect(aliceMind.events.contains(.blockListChanged(.blocked([BlockedAddress(user: user("bob"))]))))
        // §5.3: bob sees alice go unavailable.
        #expect(bobMind.presences.contains { $0.0 == alice.id && $0.1 == .unavailable })

        await #expect(throws: DeliveryError.blockedByRecipient) { try await bob.send(chat(bob, to: user("alice"), "hello?")) }
        await #expect(throws: DeliveryError.blockedBySender) { try await alice.send(chat(alice, to: user("bob"), "hi")) }
        #expect(aliceMind.messages.isEmpty && bobMind.messages.isEmpty)

        // alice's presence changes no longer reach bob; bob's no longer reach alice.
        bobMind.clear()
        aliceMind.clear()
        await alice.setPresence(Presence(.away))
        await bob.setPresence(Presence(.dnd))
        #expect(bobMind.presences.isEmpty && aliceMind.presences.isEmpty)

        try await alice.unblock(nil)
        #expect(aliceMind.events.contains(.blockListChanged(.unblockedAll)))
        #expect(bobMind.presences.contains { $0.0 == alice.id && $0.1.availability == .away })
        try await bob.send(chat(bob, to: user("alice"), "back"))
        #expect(aliceMind.messages.map(\.body) == ["back"])
        await closeAll([alice, bob])
    }

    @Test func aDomainOrOneSessionCanBeBlocked() async throws {
        let (_, alice, bob, _, _, _) = try await friends()
        try await alice.block([BlockedAddress(user: user("bob"), resource: "other")])
        try await bob.send(chat(bob, to: user("alice"), "from r"))  // another session of bob passes
        try await alice.unblock([BlockedAddress(user: user("bob"), resource: "other")])
        try await alice.block([BlockedAddress(user: UserID(localpart: "", domain: bob.user.domain))])
        await #expect(throws: DeliveryError.blockedByRecipient) { try await bob.send(chat(bob, to: user("alice"), "x")) }
        #expect(await alice.blockList().addresses.count == 1)
        await closeAll([alice, bob])
    }

    @Test func theListIsBoundedAndNothingChangesWithoutAStore() async throws {
        let (_, alice, bob, _, _, _) = try await friends()
        let many = (0..<(BlockList.maximumCount + 1)).map { BlockedAddress(user: user("u\($0)")) }
        await #expect(throws: BlockListError.tooMany) { try await alice.block(many) }
        #expect(await alice.blockList().addresses.isEmpty)

        let bare = makeService()
        let lone = try await bare.openSession(for: user("carol"), resource: "r", mind: RecordingMind())
        await #expect(throws: BlockListError.unavailable) { try await lone.block([BlockedAddress(user: user("bob"))]) }
        await closeAll([alice, bob, lone])
    }
}
