import ParleyCore
import Synchronization
import Testing

/// A shared-group source whose groups a test sets: members by group name.
private final class FixedGroups: SharedGroupSource {
    struct Groups {
        var members: [String: [String]] = [:]
        var names: [String: String] = [:]
        var generation: UInt32 = 1
        var failing = false
    }

    let groups: Mutex<Groups>

    init(_ members: [String: [String]], names: [String: String] = [:]) {
        groups = Mutex(Groups(members: members, names: names))
    }

    struct Down: Error {}

    func sharedContacts(of user: Username) async throws -> (contacts: [SharedContact], generation: UInt32) {
        let current = groups.withLock { $0 }
        if current.failing { throw Down() }
        var shared: [Username: Set<String>] = [:]
        for (group, members) in current.members where members.contains(user.value) {
            for member in members where member != user.value {
                shared[Username(member)!, default: []].insert(group)
            }
        }
        let contacts = shared.map { SharedContact(user: $0.key, name: current.names[$0.key.value], groups: $0.value) }
        return (contacts, current.generation)
    }

    func change(_ body: (inout Groups) -> Void) { groups.withLock { body(&$0) } }
}

private let sharedDomain = "example.test"
private func address(_ name: String) -> UserID { UserID(Username(name)!, domain: sharedDomain) }
private let alice = Username("alice")!
private let both = Subscription(to: true, from: true)

@Suite struct SharedGroupContactStoreTests {
    private func makeStore() -> (SharedGroupContactStore, InMemoryContactListStore, FixedGroups) {
        let base = InMemoryContactListStore()
        let groups = FixedGroups(
            ["Engineering": ["alice", "bob", "carol"], "Support": ["carol", "dave"]],
            names: ["bob": "Bob Builder", "carol": "Carol Danvers"])
        return (SharedGroupContactStore(base: base, sources: [groups], domain: sharedDomain), base, groups)
    }

    @Test func sharedContactsAreLaidOverTheOwnList() async throws {
        let (store, base, _) = makeStore()
        try await base.updateContactList(of: alice) { list in
            list.upsert(Contact(address: address("zoe"), name: "Zoe", groups: ["Friends"], subscription: .none))
            list.upsert(Contact(address: address("carol"), name: "Cee", groups: ["Climbing"]))
        }
        let list = try await store.contactList(of: alice)
        #expect(list.contacts.count == 3)
        #expect(list[address("bob")] == Contact(address: address("bob"), name: "Bob Builder", groups: ["Engineering"], subscription: both))
        // The base entry's name wins; its groups join the shared ones; subscription both.
        #expect(list[address("carol")] == Contact(address: address("carol"), name: "Cee", groups: ["Engineering", "Climbing"], subscription: both))
        #expect(list[address("zoe")]?.subscription == Subscription.none)
        #expect(list[address("alice")] == nil)
        #expect(list[address("dave")] == nil)  // dave shares no group with alice
        // Presence flows both ways with colleagues.
        #expect(Set(list.presenceSubscribers) == [address("bob"), address("carol")])
    }

    @Test func theVersionChangesWhenEitherSideChanges() async throws {
        let (store, base, groups) = makeStore()
        let first = try await store.contactList(of: alice).version
        #expect(first == 0 << 32 | 1)
        groups.change { $0.generation = 2 }
        let second = try await store.contactList(of: alice).version
        #expect(second == 0 << 32 | 2)
        try await base.updateContactList(of: alice) { $0.upsert(Contact(address: address("zoe"))) }
        let third = try await store.contactList(of: alice).version
        #expect(third == 1 << 32 | 2)
        #expect(Set([first, second, third]).count == 3)
    }

    @Test func aRenameOfASharedContactIsKeptInTheBase() async throws {
        let (store, base, _) = makeStore()
        let seen = try await store.updateContactList(of: alice) { list in
            var bob = list[address("bob")]!
            bob.name = "Bobby"
            bob.groups.insert("Friends")
            list.upsert(bob)
            return list.version
        }
        let own = try await base.contactList(of: alice)
        // Only the personal part: the name and the non-shared group, no subscription.
        #expect(own[address("bob")] == Contact(address: address("bob"), name: "Bobby", groups: ["Friends"], subscription: .none))
        #expect(own.contacts.count == 1)  // carol untouched: not copied into the base
        let merged = try await store.contactList(of: alice)
        #expect(merged[address("bob")] == Contact(address: address("bob"), name: "Bobby", groups: ["Engineering", "Friends"], subscription: both))
        // The version seen inside the change never names other contents later.
        #expect(merged.version > seen)
    }

    @Test func anEntryBackToTheOverlayLeavesTheBase() async throws {
        let (store, base, _) = makeStore()
        try await store.updateContactList(of: alice) { list in
            list.upsert(Contact(address: address("bob"), name: "Bobby", groups: ["Engineering"], subscription: both))
        }
        #expect(try await base.contactList(of: alice)[address("bob")] != nil)
        try await store.updateContactList(of: alice) { list in
            list.upsert(Contact(address: address("bob"), name: "Bob Builder", groups: ["Engineering"], subscription: both))
        }
        #expect(try await base.contactList(of: alice)[address("bob")] == nil)
    }

    @Test func removingASharedContactRemovesOnlyThePersonalPart() async throws {
        let (store, base, _) = makeStore()
        try await base.updateContactList(of: alice) { list in
            list.upsert(Contact(address: address("bob"), name: "Bobby", groups: ["Friends"]))
        }
        _ = try await store.updateContactList(of: alice) { list in list.remove(address("bob")) }
        #expect(try await base.contactList(of: alice)[address("bob")] == nil)
        // Still shared, with the directory's name.
        let merged = try await store.contactList(of: alice)
        #expect(merged[address("bob")] == Contact(address: address("bob"), name: "Bob Builder", groups: ["Engineering"], subscription: both))
    }

    @Test func personalContactsAreWrittenAsChanged() async throws {
        let (store, base, _) = makeStore()
        try await store.updateContactList(of: alice) { list in
            list.upsert(Contact(address: address("zoe"), name: "Zoe", groups: ["Friends"], subscription: Subscription(to: true)))
        }
        #expect(try await base.contactList(of: alice).contacts.count == 1)
        _ = try await store.updateContactList(of: alice) { list in list.remove(address("zoe")) }
        #expect(try await base.contactList(of: alice).contacts.isEmpty)
    }

    @Test func anUntouchedSharedEntryKeepsItsStoredSubscription() async throws {
        let (store, base, _) = makeStore()
        let pending = Subscription(pendingOut: true)
        try await base.updateContactList(of: alice) { list in
            list.upsert(Contact(address: address("bob"), subscription: pending))
        }
        try await store.updateContactList(of: alice) { list in
            var carol = list[address("carol")]!
            carol.groups.insert("Climbing")
            list.upsert(carol)
        }
        let own = try await base.contactList(of: alice)
        #expect(own[address("bob")]?.subscription == pending)
        #expect(own[address("carol")]?.groups == ["Climbing"])
    }

    @Test func aFailingSourceFallsBackToTheBaseList() async throws {
        let (store, base, groups) = makeStore()
        try await base.updateContactList(of: alice) { $0.upsert(Contact(address: address("zoe"))) }
        groups.change { $0.failing = true }
        let list = try await store.contactList(of: alice)
        #expect(list.contacts.keys.sorted() == [address("zoe")])
        #expect(list.version == 1 << 32)
        try await store.updateContactList(of: alice) { $0.upsert(Contact(address: address("yan"))) }
        #expect(try await base.contactList(of: alice).contacts.count == 2)
    }

    @Test func severalSourcesAreMerged() async throws {
        let base = InMemoryContactListStore()
        let one = FixedGroups(["A": ["alice", "bob"]], names: ["bob": "Bob"])
        let two = FixedGroups(["B": ["alice", "bob", "eve"]])
        two.change { $0.generation = 5 }
        let store = SharedGroupContactStore(base: base, sources: [one, two], domain: sharedDomain)
        let list = try await store.contactList(of: alice)
        #expect(list[address("bob")] == Contact(address: address("bob"), name: "Bob", groups: ["A", "B"], subscription: both))
        #expect(list[address("eve")]?.groups == ["B"])
        #expect(list.version == 6)
    }
}
