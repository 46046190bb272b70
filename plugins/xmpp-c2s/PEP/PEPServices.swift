import Foundation
import ParleyCore
import ParleyPubSub
import ParleyServerNIO
import ParleyXML
import ParleyXMPP

/// Every account's personal eventing service (XEP-0163), in memory and, through
/// `PEPStore`, in `storage/pep/`: one actor, so one account's requests run one at a
/// time and each change is on disk before its answer and notifications go out.
actor PEPServices {
    /// An event for the contacts whose clients asked for the node (§4.2), and who may
    /// receive it (by the node's access model, before the change: a deleted node's
    /// readers hear of its deletion).
    struct Announcement: Sendable {
        let node: String
        let event: XMLElement
        let audience: [JID]
    }

    private var accounts: [JID: PersonalEventing]
    private let limits: PubSubLimits
    private let store: PEPStore?
    /// Told when a write released its buffers.
    private let memory: MemoryReturn?

    init(store: PEPStore?, limits: PubSubLimits, memory: MemoryReturn? = nil) throws {
        self.store = store
        self.memory = memory
        self.limits = limits
        var accounts: [JID: PersonalEventing] = [:]
        for (owner, nodes) in try store?.loadAll() ?? [] {
            accounts[owner] = PersonalEventing(owner: owner, nodes: nodes, limits: limits)
        }
        self.accounts = accounts
    }

    /// Handles `request` to `owner`'s service; the changes are stored first. A store that
    /// fails leaves the service as it was and answers internal-server-error. `candidates`
    /// are the bare JIDs that could hear of events (§4.3.1: the owner and the contacts
    /// with a subscription to its presence).
    func handle(
        _ request: PubSubRequest, owner: JID, from requester: JID, facts: AccessFacts, candidates: [JID]
    ) -> (PubSubOutcome, [Announcement]) {
        let before = accounts[owner] ?? PersonalEventing(owner: owner, limits: limits)
        var service = before
        let outcome = service.handle(request, from: requester, facts: facts)
        guard outcome.error == nil else { return (outcome, []) }
        if let store, !outcome.changes.isEmpty {
            do {
                try store.apply(outcome.changes, of: service.service)
                memory?.noteRelease()
            } catch {
                return (PubSubOutcome(.failure(PubSubError(.internalServerError, text: "the change could not be stored"))), [])
            }
        }
        accounts[owner] = service.nodes.isEmpty ? nil : service
        let announcements = outcome.announcements.map { announcement in
            let reader = service.nodes[announcement.node] != nil ? service : before
            return Announcement(
                node: announcement.node, event: announcement.event,
                audience: reader.audience(of: announcement.node, among: candidates, facts: facts))
        }
        return (outcome, announcements)
    }

    /// Whether `owner` has any of `nodes` with an item (§4.3.4 needs its contact list then).
    func hasItems(of owner: JID, in nodes: Set<String>) -> Bool {
        guard let service = accounts[owner] else { return false }
        return nodes.contains { service.nodes[$0]?.items.isEmpty == false }
    }

    /// §4.3.4: the last items of `owner`'s `nodes` that `contact` may receive on coming online.
    func lastItemEvents(of owner: JID, in nodes: Set<String>, for contact: JID, facts: AccessFacts)
        -> [(event: XMLElement, published: Date)]
    {
        guard let service = accounts[owner] else { return [] }
        return nodes.sorted().compactMap { service.lastItemEvent(of: $0, for: contact, facts: facts) }
    }
}
