import ParleyPubSub
import ParleyXML
import ParleyXMPP

/// What the HTTP face asks of the desk, in the same serial order as the IQs.
extension PubSubDesk {
    /// The node `id` as an HTTP reader may see it. Without a requester, only a node whose
    /// access model is `open` (XEP-0060 §4.5); others answer `not-authorized`. With one,
    /// when the service lets that JID retrieve the node's items (§6.5, the same check as
    /// an IQ's: affiliations and the presence, roster, authorize and whitelist models).
    func readableNode(_ id: String, by requester: JID?) async -> Result<PubSubNode, PubSubError> {
        guard let node = service.nodes[id] else { return .failure(.nodeNotFound) }
        guard let requester else {
            return node.configuration.accessModel == .open
                ? .success(node) : .failure(PubSubError(.notAuthorized, text: "this node is not open: log in"))
        }
        let request = PubSubRequest.items(node: id, maxItems: nil, ids: [], page: nil)
        let facts = await contacts.facts(for: service.ownersNeedingFacts(for: request))
        let outcome = service.handle(request, from: requester, facts: facts)
        if let error = outcome.error { return .failure(error) }
        return service.nodes[id].map { .success($0) } ?? .failure(.nodeNotFound)
    }

    /// The node `id`, whoever asks (for the token routes, which check ownership themselves).
    func node(_ id: String) -> PubSubNode? { service.nodes[id] }

    /// Publishes `payload` as one new item of `id` from `requester` (§7.1, the publish
    /// model and affiliations deciding); the new item's id.
    func publish(_ payload: XMLElement, to id: String, by requester: JID) async -> Result<String, PubSubError> {
        let request = PubSubRequest.publish(node: id, items: [.init(id: nil, payload: payload)], options: nil)
        return await perform(request, from: requester).map { result in
            result?.firstChild(named: "publish")?.firstChild(named: "item")?.attribute("id") ?? ""
        }
    }
}
