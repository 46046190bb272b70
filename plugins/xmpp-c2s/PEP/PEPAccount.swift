import ParleyCore
import ParleyPubSub
import ParleyXML
import ParleyXMPP

/// The server acting on an account's PEP service as the account itself, for features
/// that keep their data there (XEP-0411: legacy bookmarks; XEP-0223: private data in PEP):
/// a publish goes through the same service, storage and notifications as a client's.
struct PEPAccount: Sendable {
    let services: PEPServices
    let delivery: PEPDelivery

    /// XEP-0223 §3: the publish-options of private data (persistent, owner only).
    static var privateOptions: DataForm {
        DataForm(
            type: .submit, formType: PubSubNamespace.publishOptions,
            fields: [
                DataFormField(variable: "pubsub#persist_items", values: ["true"]),
                DataFormField(variable: "pubsub#access_model", values: ["whitelist"]),
            ])
    }

    /// Publishes `payload` as item `id` of `owner`'s `node` and sends its notifications.
    func publish(owner: JID, node: String, id: String, payload: XMLElement, options: DataForm?) async throws(StanzaError) {
        let request = PubSubRequest.publish(node: node, items: [.init(id: id, payload: payload)], options: options)
        _ = try await handle(request, owner: owner)
    }

    /// The payload of item `id` of `owner`'s `node`, nil when there is none.
    func item(owner: JID, node: String, id: String) async -> XMLElement? {
        guard let result = try? await handle(.items(node: node, maxItems: nil, ids: [id], page: nil), owner: owner) else { return nil }
        return result.firstChild(named: "items", namespace: PubSubNamespace.pubsub)?
            .elements.first { $0.name == "item" && $0[attribute: "id"] == id }?.elements.first
    }

    /// The newest item of `owner`'s `node`: its id and payload.
    func latestItem(owner: JID, node: String) async -> (id: String, payload: XMLElement)? {
        guard let result = try? await handle(.items(node: node, maxItems: 1, ids: [], page: nil), owner: owner),
            let item = result.firstChild(named: "items", namespace: PubSubNamespace.pubsub)?.elements.last(where: { $0.name == "item" }),
            let id = item[attribute: "id"], let payload = item.elements.first
        else { return nil }
        return (id, payload)
    }

    private func handle(_ request: PubSubRequest, owner: JID) async throws(StanzaError) -> XMLElement? {
        let list = await delivery.contactList(of: owner)
        let (outcome, announcements) = await services.handle(
            request, owner: owner, from: owner, facts: PEPDelivery.facts(owner: owner, list: list),
            candidates: PEPDelivery.candidates(owner: owner, list: list))
        switch outcome.result {
        case .failure(let error): throw error.stanzaError
        case .success(let payload):
            await delivery.send(outcome.notifications, announcements, from: owner)
            return payload
        }
    }
}
