import Foundation
import ParleyXML
import ParleyXMPP

/// XEP-0060 §5.1–§5.5: service discovery of the service, its nodes and their items.
extension PubSubService {
    /// §10: the pubsub features this service implements, announced in disco#info (§5.1).
    public static let features: [String] = [
        XMPPNamespace.discoInfo, XMPPNamespace.discoItems, PubSubNamespace.pubsub, PubSubNamespace.rsm,
    ] + [
        "access-authorize", "access-open", "access-presence", "access-roster", "access-whitelist",
        "config-node", "create-and-configure", "create-nodes", "delete-items", "delete-nodes", "instant-nodes",
        "item-ids", "manage-subscriptions", "member-affiliation", "meta-data", "modify-affiliations",
        "outcast-affiliation", "persistent-items", "publish", "publish-only-affiliation", "publish-options",
        "publisher-affiliation", "purge-nodes", "retract-items", "retrieve-affiliations", "retrieve-default",
        "retrieve-items", "retrieve-subscriptions", "subscribe", "subscription-options", "subscription-notifications",
    ].map(PubSubNamespace.feature)

    /// §5.1 (the service) and §5.3, §5.4 (a node, with its meta-data form).
    func discoInfo(_ id: String?) -> PubSubOutcome {
        guard let id else {
            return .success(DiscoInfo(
                identities: [DiscoInfo.Identity(category: "pubsub", type: "service", name: "Publish-Subscribe")],
                features: Self.features).element)
        }
        guard let node = nodes[id] else { return .failure(.nodeNotFound) }
        return .success(DiscoInfo(
            node: id, identities: [DiscoInfo.Identity(category: "pubsub", type: "leaf")],
            features: [XMPPNamespace.discoInfo, PubSubNamespace.pubsub], extensions: [metaData(node)]).element)
    }

    /// §5.4: `pubsub#meta-data`.
    func metaData(_ node: PubSubNode) -> DataForm {
        let configuration = node.configuration
        return DataForm(type: .result, formType: PubSubNamespace.metaData, fields: [
            DataFormField(variable: "pubsub#type", values: [node.items.last?.payload?.namespace ?? ""]),
            DataFormField(variable: "pubsub#creator", type: .jidSingle, values: [node.creator.description]),
            DataFormField(variable: "pubsub#creation_date", values: [XMPPDateTime.string(from: node.created)]),
            DataFormField(variable: "pubsub#title", values: [configuration.title]),
            DataFormField(variable: "pubsub#owner", type: .jidMulti, values: node.owners.map(\.description)),
            DataFormField(variable: "pubsub#access_model", values: [configuration.accessModel.rawValue]),
            DataFormField(variable: "pubsub#publish_model", values: [configuration.publishModel.rawValue]),
            DataFormField(variable: "pubsub#max_items", values: ["\(configuration.maxItems)"]),
            DataFormField(
                variable: "pubsub#num_subscribers",
                values: ["\(node.subscriptions.filter { $0.state == .subscribed }.count)"]),
        ])
    }

    /// §5.2 (the nodes) and §5.5 (a node's items, named by ItemID).
    func discoItems(_ id: String?, _ context: inout Context) -> PubSubOutcome {
        guard let id else {
            let items = sortedNodes(only: nil).map {
                DiscoItems.Item(jid: jid, node: $0.id, name: $0.configuration.title.isEmpty ? nil : $0.configuration.title)
            }
            return .success(DiscoItems(items: items).element)
        }
        guard let node = nodes[id] else { return .failure(.nodeNotFound) }
        if let error = accessError(node, for: context.requester, facts: context.facts) { return .failure(error) }
        return .success(DiscoItems(node: id, items: node.items.map { DiscoItems.Item(jid: jid, name: $0.id) }).element)
    }
}
