import ParleyCore
import ParleyPubSub
import ParleyXML
import ParleyXMPP

/// XEP-0163 personal eventing on every account's bare JID: the account's own requests
/// (no `to`, or its bare JID), other users' requests to it (reading items, subscribing),
/// disco on accounts (§6), and XEP-0115 capabilities read from clients' presence, which
/// say which nodes each client wants events of ("+notify", §4.2).
struct PEPFeature: C2SFeature {
    let services: PEPServices
    let delivery: PEPDelivery

    func register(in hooks: inout C2SHooks) {
        for type in [IQRequest.Kind.get, .set] {
            for namespace in [PubSubNamespace.pubsub, PubSubNamespace.owner] {
                hooks.onIQ(type, namespace: namespace) { request, context in
                    // The account's own service; a `to` of the server is not PEP's.
                    guard request.to == nil || request.to?.localpart != nil else { return nil }
                    return try await serve(request, owner: context.jid.bare, context: context)
                }
                hooks.onAccountIQ(type, namespace: namespace) { request, context in
                    guard let owner = request.to?.bare else { return nil }
                    return try await serve(request, owner: owner, context: context)
                }
            }
        }
        // §6: disco on accounts, the account's own and others'; the server's is DiscoFeature's.
        let accountDisco: C2SHooks.IQHandler = { request, context in
            guard let owner = request.to?.bare, owner.localpart != nil else { return nil }
            return try await disco(request, owner: owner, context: context)
        }
        for namespace in [XMPPNamespace.discoInfo, XMPPNamespace.discoItems] {
            hooks.onIQ(.get, namespace: namespace, priority: 1, accountDisco)
            hooks.onAccountIQ(.get, namespace: namespace, accountDisco)
        }
        hooks.advertise(XMPPNamespace.caps)
        hooks.onPresence(.broadcast) { stanza, context in
            await clientCameOnline(stanza, context: context)
            return .pass
        }
    }

    /// Whether `owner` is an account: the requester's own is, without asking the store.
    private func isAccount(_ owner: JID, _ context: C2SContext) async -> Bool {
        if owner == context.jid.bare { return true }
        return await delivery.isAccount(owner)
    }

    /// One pubsub request to `owner`'s service, answered; then its events sent.
    private func serve(_ request: IQRequest, owner: JID, context: C2SContext) async throws -> IQReply {
        guard await isAccount(owner, context) else { throw StanzaError(.serviceUnavailable) }  // RFC 6121 §8.5.2.2.3
        let parsed: PubSubRequest
        do { parsed = try PubSubRequest.parse(request.child, isSet: request.isSet) } catch { throw error.stanzaError }
        let list = await delivery.contactList(of: owner)
        let (outcome, announcements) = await services.handle(
            parsed, owner: owner, from: context.jid, facts: PEPDelivery.facts(owner: owner, list: list),
            candidates: PEPDelivery.candidates(owner: owner, list: list))
        switch outcome.result {
        case .failure(let error): throw error.stanzaError
        case .success(let payload):
            await delivery.send(outcome.notifications, announcements, from: owner)
            return .result(payload)
        }
    }

    /// XEP-0030 on an account: §6.1 its identities (the account and its PEP service) and
    /// PEP's features; a node's meta-data, or the nodes (XEP-0060 §5) through the service.
    private func disco(_ request: IQRequest, owner: JID, context: C2SContext) async throws -> IQReply {
        guard await isAccount(owner, context) else { throw StanzaError(.serviceUnavailable) }
        let node = request.child[attribute: "node"]
        if request.child.namespace == XMPPNamespace.discoInfo, node == nil {
            let info = DiscoInfo(
                identities: [.init(category: "account", type: "registered"), .init(category: "pubsub", type: "pep")],
                features: [XMPPNamespace.discoInfo, XMPPNamespace.discoItems] + PubSubService.features
                    // The account itself also sees what its bare JID serves it (its archive,
                    // XEP-0313 §7; bookmark conversion, XEP-0411 §2).
                    + (owner == context.jid.bare ? context.accountFeatures : []))
            return .result(info.element)
        }
        let asked: PubSubRequest =
            request.child.namespace == XMPPNamespace.discoInfo ? .discoInfo(node: node) : .discoItems(node: node)
        let list = await delivery.contactList(of: owner)
        let (outcome, _) = await services.handle(
            asked, owner: owner, from: context.jid, facts: PEPDelivery.facts(owner: owner, list: list), candidates: [])
        switch outcome.result {
        case .failure(let error): throw error.stanzaError
        case .success(let payload): return .result(payload)
        }
    }

    /// XEP-0115: a client's broadcast presence names its capabilities. Unknown ones are
    /// asked for once per verification string (§6.3); known ones, on the client's first
    /// available presence, bring the last items of the nodes it wants (XEP-0163 §4.3.4).
    private func clientCameOnline(_ stanza: RoutedStanza, context: C2SContext) async {
        guard stanza.element[attribute: "type"] == nil,
            let c = stanza.element.elements.first(where: { $0.name == "c" && $0.namespace == XMPPNamespace.caps }),
            let caps = EntityCapabilities(element: c)
        else { return }
        let session = context.jid
        if let features = delivery.caps.features(for: caps.ver) {
            guard await !context.hasSentInitialPresence else { return }
            await delivery.sendLastItems(wanted: CapsCache.notifyNodes(features), to: session)
            return
        }
        guard delivery.caps.shouldAsk(caps) else { return }
        let cache = delivery.caps
        let delivery = self.delivery
        let asked = await context.ask(DiscoInfo.request(node: caps.queryNode)) { reply in
            guard let reply, reply[attribute: "type"] == "result",
                let query = reply.elements.first(where: { $0.name == "query" && $0.namespace == XMPPNamespace.discoInfo }),
                let info = try? DiscoInfo(element: query), cache.learn(caps, info: info)
            else {
                cache.forget(asked: caps)
                return
            }
            Task { await delivery.sendLastItems(wanted: CapsCache.notifyNodes(Set(info.features)), to: session) }
        }
        if !asked { cache.forget(asked: caps) }
    }
}
