import Foundation
import ParleyXML
import ParleyXMPP

/// One account's personal eventing service (XEP-0163): a `PubSubService` at the account's
/// bare JID with PEP's rules on top: nodes are created by publishing to them (§3), with
/// PEP's defaults (§5); only the account creates, configures or deletes them (§2.2); and
/// every event also goes to the contacts whose clients asked for it (§4), which the shell
/// finds from presence and entity capabilities (`announcements`).
public struct PersonalEventing: Sendable {
    public private(set) var service: PubSubService

    /// §5 Recommended Defaults: presence access, one item kept and persisted, payloads
    /// delivered, the last item sent on subscription and on presence.
    public static var defaults: NodeConfiguration {
        var configuration = NodeConfiguration()
        configuration.accessModel = .presence
        configuration.maxItems = 1
        configuration.persistItems = true
        configuration.deliverPayloads = true
        configuration.sendLastPublishedItem = .onSubscribeAndPresence
        configuration.notificationType = .headline
        return configuration
    }

    public init(owner: JID, nodes: [PubSubNode] = [], limits: PubSubLimits = PubSubLimits()) {
        self.service = PubSubService(jid: owner.bare, limits: limits, defaults: Self.defaults, nodes: nodes)
    }

    /// The account.
    public var owner: JID { service.jid }

    /// Handles one request to the account's bare JID.
    public mutating func handle(
        _ request: PubSubRequest, from requester: JID, facts: AccessFacts = .none, now: Date = Date(),
        makeID: @escaping () -> String = { UUID().uuidString.lowercased() }
    ) -> PubSubOutcome {
        let isOwner = requester.bare == owner
        switch request {
        case .create, .configure, .delete, .purge, .manageSubscriptions, .manageAffiliations, .defaultConfiguration:
            // §2.2 One Publisher Per Node: the account is the only owner of its nodes.
            guard isOwner else { return PubSubOutcome(.failure(PubSubError(.forbidden))) }
        case .publish(let node, _, let options) where service.nodes[node] == nil:
            // §3: a publish to a node that does not exist creates it, configured by the
            // publish-options (XEP-0060 §7.1.5) over the defaults; only the account may.
            guard isOwner else { return PubSubOutcome(.failure(PubSubError(.forbidden))) }
            let created = service.handle(
                .create(node: node, configuration: options.map(Self.nodeConfiguration(from:))), from: requester,
                facts: facts, now: now, makeID: makeID)
            if let error = created.error { return PubSubOutcome(.failure(error)) }
            var published = service.handle(request, from: requester, facts: facts, now: now, makeID: makeID)
            published.changes = created.changes + published.changes
            return published
        default:
            break
        }
        return service.handle(request, from: requester, facts: facts, now: now, makeID: makeID)
    }

    /// A publish-options form read as a node configuration form (same fields, XEP-0060 §7.1.5).
    static func nodeConfiguration(from options: DataForm) -> DataForm {
        DataForm(
            type: .submit, formType: PubSubNamespace.nodeConfig,
            fields: options.fields.filter { $0.variable != DataForm.formTypeVariable })
    }

    /// §4.3.4, §4.2: the last item of `node` for a contact's client that has just come
    /// online or asked for it with "+notify", as an `<event/>` with when it was published
    /// (sent with an XEP-0203 delay): nil when the node has none, does not send it on
    /// presence, or `contact` may not read it.
    public func lastItemEvent(of node: String, for contact: JID, facts: AccessFacts) -> (event: XMLElement, published: Date)? {
        guard let node = service.nodes[node], node.configuration.sendLastPublishedItem == .onSubscribeAndPresence,
            let item = node.items.last, mayReceive(node, contact, facts: facts)
        else { return nil }
        return (PubSubEvents.published(item, node: node), item.published)
    }

    /// Whether `contact` may get `node`'s events: the account itself, or anyone the node's
    /// access model lets read it (XEP-0060 §4.5; presence by default).
    public func mayReceive(_ node: PubSubNode, _ contact: JID, facts: AccessFacts) -> Bool {
        contact.bare == owner || service.accessError(node, for: contact, facts: facts) == nil
    }

    /// The nodes, for the store.
    public var nodes: [String: PubSubNode] { service.nodes }
}

extension PersonalEventing {
    /// Of `candidates` (bare JIDs), those that may receive events of `node`; nobody when
    /// there is no such node.
    public func audience(of node: String, among candidates: [JID], facts: AccessFacts) -> [JID] {
        guard let node = service.nodes[node] else { return [] }
        return candidates.filter { mayReceive(node, $0, facts: facts) }
    }
}
