import ParleyCore
import Testing

/// The nine subscription states of RFC 6121 Appendix A.1.
enum RFCState: String, CaseIterable, Sendable {
    case none = "None"
    case nonePendingOut = "None + Pending Out"
    case nonePendingIn = "None + Pending In"
    case nonePendingOutIn = "None + Pending Out/In"
    case to = "To"
    case toPendingIn = "To + Pending In"
    case from = "From"
    case fromPendingOut = "From + Pending Out"
    case both = "Both"

    var subscription: Subscription {
        switch self {
        case .none: Subscription()
        case .nonePendingOut: Subscription(pendingOut: true)
        case .nonePendingIn: Subscription(pendingIn: true)
        case .nonePendingOutIn: Subscription(pendingOut: true, pendingIn: true)
        case .to: Subscription(to: true)
        case .toPendingIn: Subscription(to: true, pendingIn: true)
        case .from: Subscription(from: true)
        case .fromPendingOut: Subscription(from: true, pendingOut: true)
        case .both: Subscription(to: true, from: true)
        }
    }

    /// The RFC state a `Subscription` is in, ignoring the pre-approval flag.
    init?(_ subscription: Subscription) {
        let match = Self.allCases.first {
            let s = $0.subscription
            return s.to == subscription.to && s.from == subscription.from
                && s.pendingOut == subscription.pendingOut && s.pendingIn == subscription.pendingIn
        }
        guard let match else { return nil }
        self = match
    }
}

/// One row of an Appendix A table: from a state, an event leads to a state and a disposition.
struct AppendixARow: Sendable, CustomTestStringConvertible {
    let state: RFCState
    let event: Subscription.Event
    let next: RFCState
    let disposition: Subscription.Disposition

    var testDescription: String { "\(state.rawValue) --\(event)--> \(next.rawValue) [\(disposition)]" }
}

/// RFC 6121 Appendix A, written out. "no state change" is written as the same state.
///
/// A.2 (outbound, the user sends): `subscribe`, `unsubscribe` and `unsubscribed` are routed
/// in every state; `subscribed` is routed only when it answers a pending inbound request
/// (otherwise it at most records a pre-approval, §3.4, checked separately).
/// A.3 (inbound, the user's server receives): delivered only where the table says yes; an
/// inbound `subscribe` when the contact already has a subscription from the user is not
/// delivered but answered with `subscribed` on the user's behalf (A.3.1, §3.1.3).
let appendixA: [AppendixARow] = {
    typealias S = RFCState
    let f = Subscription.Disposition.forward
    let d = Subscription.Disposition.drop
    let auto = Subscription.Disposition.autoApprove
    let table: [Subscription.Event: [S: (S, Subscription.Disposition)]] = [
        // A.2.1 outbound subscribe
        .outboundSubscribe: [
            .none: (.nonePendingOut, f), .nonePendingOut: (.nonePendingOut, f),
            .nonePendingIn: (.nonePendingOutIn, f), .nonePendingOutIn: (.nonePendingOutIn, f),
            .to: (.to, f), .toPendingIn: (.toPendingIn, f),
            .from: (.fromPendingOut, f), .fromPendingOut: (.fromPendingOut, f), .both: (.both, f),
        ],
        // A.2.2 outbound subscribed
        .outboundSubscribed: [
            .none: (.none, d), .nonePendingOut: (.nonePendingOut, d),
            .nonePendingIn: (.from, f), .nonePendingOutIn: (.fromPendingOut, f),
            .to: (.to, d), .toPendingIn: (.both, f),
            .from: (.from, d), .fromPendingOut: (.fromPendingOut, d), .both: (.both, d),
        ],
        // A.2.3 outbound unsubscribe
        .outboundUnsubscribe: [
            .none: (.none, f), .nonePendingOut: (.none, f),
            .nonePendingIn: (.nonePendingIn, f), .nonePendingOutIn: (.nonePendingIn, f),
            .to: (.none, f), .toPendingIn: (.nonePendingIn, f),
            .from: (.from, f), .fromPendingOut: (.from, f), .both: (.from, f),
        ],
        // A.2.4 outbound unsubscribed
        .outboundUnsubscribed: [
            .none: (.none, f), .nonePendingOut: (.nonePendingOut, f),
            .nonePendingIn: (.none, f), .nonePendingOutIn: (.nonePendingOut, f),
            .to: (.to, f), .toPendingIn: (.to, f),
            .from: (.none, f), .fromPendingOut: (.nonePendingOut, f), .both: (.to, f),
        ],
        // A.3.1 inbound subscribe
        .inboundSubscribe: [
            .none: (.nonePendingIn, f), .nonePendingOut: (.nonePendingOutIn, f),
            .nonePendingIn: (.nonePendingIn, d), .nonePendingOutIn: (.nonePendingOutIn, d),
            .to: (.toPendingIn, f), .toPendingIn: (.toPendingIn, d),
            .from: (.from, auto), .fromPendingOut: (.fromPendingOut, auto), .both: (.both, auto),
        ],
        // A.3.2 inbound subscribed
        .inboundSubscribed: [
            .none: (.none, d), .nonePendingOut: (.to, f),
            .nonePendingIn: (.nonePendingIn, d), .nonePendingOutIn: (.toPendingIn, f),
            .to: (.to, d), .toPendingIn: (.toPendingIn, d),
            .from: (.from, d), .fromPendingOut: (.both, f), .both: (.both, d),
        ],
        // A.3.3 inbound unsubscribe
        .inboundUnsubscribe: [
            .none: (.none, d), .nonePendingOut: (.nonePendingOut, d),
            .nonePendingIn: (.none, f), .nonePendingOutIn: (.nonePendingOut, f),
            .to: (.to, d), .toPendingIn: (.to, f),
            .from: (.none, f), .fromPendingOut: (.nonePendingOut, f), .both: (.to, f),
        ],
        // A.3.4 inbound unsubscribed
        .inboundUnsubscribed: [
            .none: (.none, d), .nonePendingOut: (.none, f),
            .nonePendingIn: (.nonePendingIn, d), .nonePendingOutIn: (.nonePendingIn, f),
            .to: (.none, f), .toPendingIn: (.nonePendingIn, f),
            .from: (.from, d), .fromPendingOut: (.from, f), .both: (.from, f),
        ],
    ]
    var rows: [AppendixARow] = []
    for event in Subscription.Event.allCases {
        for state in RFCState.allCases {
            let (next, disposition) = table[event]![state]!
            rows.append(AppendixARow(state: state, event: event, next: next, disposition: disposition))
        }
    }
    return rows
}()

@Suite("Subscription state machine (RFC 6121 Appendix A)")
struct SubscriptionTests {
    @Test func tableCoversEveryStateAndEvent() {
        #expect(appendixA.count == 9 * 8)
        let pairs = Set(appendixA.map { "\($0.state.rawValue)|\($0.event)" })
        #expect(pairs.count == 72)
    }

    @Test(arguments: appendixA)
    func appendixATransition(_ row: AppendixARow) {
        var subscription = row.state.subscription
        let disposition = subscription.apply(row.event)
        #expect(RFCState(subscription) == row.next)
        #expect(disposition == row.disposition)
    }

    @Test func summariesAndDescriptions() {
        #expect(RFCState.none.subscription.summary == "none")
        #expect(RFCState.nonePendingOutIn.subscription.summary == "none")
        #expect(RFCState.to.subscription.summary == "to")
        #expect(RFCState.fromPendingOut.subscription.summary == "from")
        #expect(RFCState.both.subscription.summary == "both")
        #expect(RFCState.nonePendingOutIn.subscription.description == "none+pending-out+pending-in")
        #expect(RFCState.toPendingIn.subscription.description == "to+pending-in")
        #expect(Subscription.none == Subscription())
    }

    @Test func initializerEnforcesInvariants() {
        // "To" cannot also be waiting for the same approval; "From" cannot be asked again.
        #expect(Subscription(to: true, pendingOut: true) == Subscription(to: true))
        #expect(Subscription(from: true, pendingIn: true) == Subscription(from: true))
        #expect(Subscription(from: true, preApproved: true).preApproved == false)
    }

    // MARK: Pre-approval (RFC 6121 §3.4)

    @Test(arguments: [RFCState.none, .nonePendingOut, .to])
    func outboundSubscribedWithoutRequestPreApproves(_ state: RFCState) {
        var subscription = state.subscription
        #expect(subscription.apply(.outboundSubscribed) == .drop)
        #expect(subscription.preApproved)
        #expect(RFCState(subscription) == state)
        // The contact's later request is approved on the user's behalf.
        #expect(subscription.apply(.inboundSubscribe) == .autoApprove)
        #expect(subscription.from)
        #expect(!subscription.pendingIn)
        #expect(!subscription.preApproved)
    }

    @Test func outboundUnsubscribedCancelsPreApproval() {
        var subscription = Subscription()
        _ = subscription.apply(.outboundSubscribed)
        #expect(subscription.preApproved)
        #expect(subscription.apply(.outboundUnsubscribed) == .forward)
        #expect(!subscription.preApproved)
        #expect(subscription.apply(.inboundSubscribe) == .forward)
        #expect(RFCState(subscription) == .nonePendingIn)
    }

    @Test func fullHandshakeOnBothSides() {
        var alice = Subscription()  // alice's entry for bob
        var bob = Subscription()  // bob's entry for alice
        #expect(alice.apply(.outboundSubscribe) == .forward)
        #expect(bob.apply(.inboundSubscribe) == .forward)
        #expect(RFCState(alice) == .nonePendingOut)
        #expect(RFCState(bob) == .nonePendingIn)
        #expect(bob.apply(.outboundSubscribed) == .forward)
        #expect(alice.apply(.inboundSubscribed) == .forward)
        #expect(RFCState(alice) == .to)
        #expect(RFCState(bob) == .from)
        // And back: bob subscribes to alice.
        #expect(bob.apply(.outboundSubscribe) == .forward)
        #expect(alice.apply(.inboundSubscribe) == .forward)
        #expect(alice.apply(.outboundSubscribed) == .forward)
        #expect(bob.apply(.inboundSubscribed) == .forward)
        #expect(RFCState(alice) == .both)
        #expect(RFCState(bob) == .both)
    }

    // MARK: Contact lists

    @Test func contactListVersionsAndLookups() throws {
        var list = ContactList()
        #expect(list.version == 0)
        list.upsert(Contact(address: user("bob"), name: "Bob", groups: ["Friends", "Work"]))
        list.upsert(Contact(address: user("alice")))
        #expect(list.version == 2)
        #expect(list[user("bob")]?.groups == ["Work", "Friends"])
        #expect(list[user("bob")]?.name == "Bob")
        #expect(list.sorted.map(\.address) == [user("alice"), user("bob")])
        #expect(list.remove(user("nobody")) == nil)
        #expect(list.version == 2)
        let maybeRemoved = list.remove(user("alice"))
        let removed = try #require(maybeRemoved)
        #expect(removed.address == user("alice"))
        #expect(list.version == 3)
        #expect(list[user("alice")] == nil)
    }

    @Test func contactListInitDeduplicates() {
        let list = ContactList(contacts: [Contact(address: user("bob"), name: "old"), Contact(address: user("bob"), name: "new")], version: 7)
        #expect(list.contacts.count == 1)
        #expect(list[user("bob")]?.name == "new")
        #expect(list.version == 7)
    }

    @Test func applySubscriptionCreatesEntriesOnlyWhenStateChanges() {
        var list = ContactList()
        // An inbound "unsubscribed" from a stranger changes nothing: no entry, no version.
        #expect(list.applySubscription(.inboundUnsubscribed, with: user("eve")) == .drop)
        #expect(list[user("eve")] == nil)
        #expect(list.version == 0)
        // An inbound request creates the entry in "None + Pending In".
        #expect(list.applySubscription(.inboundSubscribe, with: user("bob")) == .forward)
        #expect(list[user("bob")]?.subscription == RFCState.nonePendingIn.subscription)
        #expect(list.version == 1)
        // A repeated request is dropped and does not bump the version.
        #expect(list.applySubscription(.inboundSubscribe, with: user("bob")) == .drop)
        #expect(list.version == 1)
    }

    @Test func applySubscriptionKeepsNameAndGroups() {
        var list = ContactList(contacts: [Contact(address: user("bob"), name: "Bobby", groups: ["Friends"])])
        _ = list.applySubscription(.outboundSubscribe, with: user("bob"))
        #expect(list[user("bob")]?.name == "Bobby")
        #expect(list[user("bob")]?.groups == ["Friends"])
        #expect(list[user("bob")]?.subscription.pendingOut == true)
    }

    @Test func presenceSubscribersAndTargets() {
        let list = ContactList(contacts: [
            Contact(address: user("both"), subscription: RFCState.both.subscription),
            Contact(address: user("to"), subscription: RFCState.to.subscription),
            Contact(address: user("from"), subscription: RFCState.fromPendingOut.subscription),
            Contact(address: user("pending"), subscription: RFCState.nonePendingOutIn.subscription),
        ])
        #expect(Set(list.presenceSubscribers) == [user("both"), user("from")])
        #expect(Set(list.presenceTargets) == [user("both"), user("to")])
    }

    @Test func inMemoryStoreKeepsEveryConcurrentUpdate() async throws {
        let store = InMemoryContactListStore()
        let owner = Username("owner")!
        #expect(try await store.contactList(of: owner) == ContactList())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<100 {
                group.addTask {
                    try await store.updateContactList(of: owner) { list in
                        list.upsert(Contact(address: user("friend\(index)")))
                    }
                }
            }
            try await group.waitForAll()
        }
        let list = try await store.contactList(of: owner)
        #expect(list.contacts.count == 100)
        #expect(list.version == 100)
        #expect(try await store.contactList(of: Username("other")!).contacts.isEmpty)
    }

    @Test func inMemoryStoreDoesNotWriteWhenChangeThrows() async throws {
        struct Refused: Error {}
        let store = InMemoryContactListStore()
        let owner = Username("owner")!
        await #expect(throws: Refused.self) {
            try await store.updateContactList(of: owner) { list in
                list.upsert(Contact(address: user("bob")))
                throw Refused()
            }
        }
        #expect(try await store.contactList(of: owner).contacts.isEmpty)
    }
}
