import ParleyXML
import ParleyXMPP

/// XEP-0030 service discovery on the server's JID (and on an account's bare JID, per
/// XEP-0030 §3.1, the account identity only). Registered last: its disco#info lists the
/// features the others advertised.
struct DiscoFeature: C2SFeature {
    /// The server's items: the components and services attached to it now (§4).
    let services: @Sendable () -> [DiscoItems.Item]

    func register(in hooks: inout C2SHooks) {
        hooks.advertise(XMPPNamespace.discoInfo)
        hooks.advertise(XMPPNamespace.discoItems)
        let serverFeatures = hooks.features.sorted()
        let serverForms = hooks.serverForms
        let accountFeatures = ([XMPPNamespace.discoInfo] + hooks.accountFeatures).sorted()
        hooks.onIQ(.get, namespace: XMPPNamespace.discoInfo) { request, _ in
            // §3.1: a node the server does not know is item-not-found.
            guard request.child[attribute: "node"] == nil else { return .error(StanzaError(.itemNotFound)) }
            if let to = request.to, to.localpart != nil {
                // An account: XEP-0030 §3.1 "account/registered"; to the account itself, what
                // its bare JID serves it (its archive, XEP-0313 §7).
                let info = DiscoInfo(
                    identities: [.init(category: "account", type: "registered")],
                    features: to.bare == request.from.bare ? accountFeatures : [XMPPNamespace.discoInfo])
                return .result(info.element)
            }
            let info = DiscoInfo(
                identities: [.init(category: "server", type: "im", name: "Parley")], features: serverFeatures, extensions: serverForms)
            return .result(info.element)
        }
        hooks.onIQ(.get, namespace: XMPPNamespace.discoItems) { [services] request, _ in
            guard request.child[attribute: "node"] == nil else { return .error(StanzaError(.itemNotFound)) }
            let items = request.to?.localpart == nil ? services() : []
            return .result(DiscoItems(items: items).element)
        }
    }
}
