import Foundation
import ParleyXML
import ParleyXMPP

/// The state of one pubsub service (all its nodes) as a value, and the XEP-0060 rules:
/// `handle` takes a request, the requester and the access facts, changes the nodes, and
/// returns the answer, the notifications to send and what changed for the store. No I/O.
public struct PubSubService: Sendable {
    /// The service's own JID (`pubsub.example.com`).
    public let jid: JID
    public var limits: PubSubLimits
    /// §8.3: the configuration of a new node.
    public var defaults: NodeConfiguration
    public private(set) var nodes: [String: PubSubNode]
    /// The serialized size of every stored payload (bounded by `limits.maximumStoredBytes`).
    public private(set) var storedBytes: Int

    public init(jid: JID, limits: PubSubLimits = PubSubLimits(), defaults: NodeConfiguration = NodeConfiguration(),
        nodes: [PubSubNode] = [])
    {
        self.jid = jid
        self.limits = limits
        self.defaults = defaults
        self.nodes = Dictionary(nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        storedBytes = self.nodes.values.reduce(0) { $0 + $1.itemBytes }
    }

    /// Handles one request from `requester` (a full or bare JID). `makeID` mints NodeIDs,
    /// ItemIDs and SubIDs; `now` stamps new nodes and items.
    public mutating func handle(
        _ request: PubSubRequest, from requester: JID, facts: AccessFacts = .none, now: Date = Date(),
        makeID: @escaping () -> String = { UUID().uuidString.lowercased() }
    ) -> PubSubOutcome {
        var context = Context(requester: requester, facts: facts, now: now, makeID: makeID)
        switch request {
        case .discoInfo(let node): return discoInfo(node)
        case .discoItems(let node): return discoItems(node, &context)
        case .subscriptions(let node): return ownSubscriptions(node, &context)
        case .affiliations(let node): return ownAffiliations(node, &context)
        case .subscribe(let node, let jid, let options): return subscribe(node, jid, options, &context)
        case .unsubscribe(let node, let jid, let subid): return unsubscribe(node, jid, subid, &context)
        case .options(let node, let jid, let subid, let form): return options(node, jid, subid, form, &context)
        case .items(let node, let maxItems, let ids, let page): return items(node, maxItems, ids, page, &context)
        case .publish(let node, let items, let options): return publish(node, items, options, &context)
        case .retract(let node, let ids, let notify): return retract(node, ids, notify, &context)
        case .create(let node, let form): return create(node, form, &context)
        case .configure(let node, let form): return configure(node, form, &context)
        case .defaultConfiguration:
            return .success(PubSubEvents.pubsub(PubSubNamespace.owner, [
                XMLElement(name: "default", namespace: PubSubNamespace.owner, children: [.element(defaults.form().element)]),
            ]))
        case .delete(let node, let redirect): return delete(node, redirect, &context)
        case .purge(let node): return purge(node, &context)
        case .manageSubscriptions(let node, let changes): return manageSubscriptions(node, changes, &context)
        case .manageAffiliations(let node, let changes): return manageAffiliations(node, changes, &context)
        }
    }

    /// The owners whose contact lists the request's access check may need (presence and
    /// roster models, §4.5): the shell fetches them into `AccessFacts` beforehand.
    public func ownersNeedingFacts(for request: PubSubRequest) -> [JID] {
        let id: String?
        switch request {
        case .subscribe(let node, _, _), .items(let node, _, _, _), .discoItems(let node?): id = node
        default: id = nil
        }
        guard let id, let node = nodes[id],
            node.configuration.accessModel == .presence || node.configuration.accessModel == .roster
        else { return [] }
        return node.owners
    }

    /// What one request carries through its handling.
    struct Context {
        let requester: JID
        let facts: AccessFacts
        let now: Date
        let makeID: () -> String
        var notifications: [PubSubNotification] = []
        var announcements: [PubSubAnnouncement] = []
        var changes: [PubSubChange] = []

        func outcome(_ payload: XMLElement?) -> PubSubOutcome {
            PubSubOutcome(.success(payload), notifications: notifications, changes: changes, announcements: announcements)
        }

        /// Notifies every subscriber of `node` that receives notifications (§4.3, §6.3).
        mutating func notifySubscribers(of node: PubSubNode, _ event: XMLElement) {
            announcements.append(PubSubAnnouncement(node: node.id, event: event))
            for subscription in node.subscriptions where subscription.state == .subscribed && subscription.deliver {
                notifications.append(
                    PubSubNotification(to: subscription.jid, payload: event, type: node.configuration.notificationType))
            }
        }
    }

    /// The node `id`, or item-not-found (every §6–§8 error table's "node does not exist").
    func node(_ id: String) throws(PubSubError) -> PubSubNode {
        guard let node = nodes[id] else { throw PubSubError.nodeNotFound }
        return node
    }

    /// The node `id` when `requester` owns it: item-not-found, then forbidden (§8.2.3, §8.4.3 …).
    func ownedNode(_ id: String, by requester: JID) throws(PubSubError) -> PubSubNode {
        let node = try node(id)
        guard node.affiliation(of: requester) == .owner else { throw PubSubError.forbidden }
        return node
    }

    /// §4.5 and the error tables of §6.1.3 and §6.5.9: why `requester` may not subscribe to
    /// or read `node`; nil when it may. `authorize` nodes are the caller's business.
    func accessError(_ node: PubSubNode, for requester: JID, facts: AccessFacts) -> PubSubError? {
        switch node.affiliation(of: requester) {
        case .outcast: return PubSubError(.forbidden)  // §6.1.3.8 blocked
        case .publishOnly: return PubSubError(.forbidden)  // §4.1: may not subscribe or retrieve
        case .owner, .publisher, .member: return nil
        case .none: break
        }
        switch node.configuration.accessModel {
        case .open, .authorize:
            return nil
        case .presence:
            // §6.1.3.2: a contact of an owner with a subscription to the owner's presence.
            let allowed = node.owners.contains { facts.contact(requester, of: $0)?.seesOwnerPresence == true }
            return allowed ? nil : PubSubError(.notAuthorized, .presenceSubscriptionRequired)
        case .roster:
            // §6.1.3.3: a contact in one of the allowed groups of an owner's list.
            let groups = Set(node.configuration.rosterGroupsAllowed)
            let allowed = node.owners.contains { owner in
                guard let contact = facts.contact(requester, of: owner) else { return false }
                return !contact.groups.isDisjoint(with: groups)
            }
            return allowed ? nil : PubSubError(.notAuthorized, .notInRosterGroup)
        case .whitelist:
            return PubSubError(.notAllowed, .closedNode)  // §6.1.3.4
        }
    }

    /// Stores `node` and records the change.
    mutating func save(_ node: PubSubNode, _ context: inout Context) {
        put(node)
        context.changes.append(.node(node.id))
    }

    /// Puts `node` in place of the one with its id, keeping `storedBytes` in step.
    mutating func put(_ node: PubSubNode) {
        storedBytes += node.itemBytes - (nodes[node.id]?.itemBytes ?? 0)
        nodes[node.id] = node
    }

    /// Puts back what node `id` was before a request (nil: no such node): the shell's undo
    /// when the store could not write the request's changes. A request changes at most
    /// the one node it names (or, for an instant node, the one it creates).
    public mutating func restore(_ id: String, to node: PubSubNode?) {
        if let node { put(node) } else { drop(id) }
    }

    /// Removes the node `id`, keeping `storedBytes` in step.
    mutating func drop(_ id: String) {
        storedBytes -= nodes.removeValue(forKey: id)?.itemBytes ?? 0
    }
}
