import ParleyXML
import ParleyXMPP

/// XEP-0030 service discovery on the server's JID (and on an account's bare JID, per
/// XEP-0030 §3.1, the account identity only).
struct DiscoInfoIQ: IQHandler {
    let namespace = XMPPNamespace.discoInfo
    var features: [String] { [XMPPNamespace.discoInfo] }
    /// Every feature the server offers, collected from the handlers at start.
    let serverFeatures: [String]

    func handle(_ request: IQRequest, connection: C2SConnection) async -> IQReply {
        guard !request.isSet else { return .getOnly }
        // §3.1: a node the server does not know is item-not-found.
        guard request.child[attribute: "node"] == nil else { return .error(StanzaError(.itemNotFound)) }
        if request.to?.localpart != nil {
            // An account: XEP-0030 §3.1 "account/registered".
            let info = DiscoInfo(identities: [.init(category: "account", type: "registered")], features: [XMPPNamespace.discoInfo])
            return .result(info.element)
        }
        let info = DiscoInfo(
            identities: [.init(category: "server", type: "im", name: "Parley")], features: serverFeatures)
        return .result(info.element)
    }
}

/// XEP-0030 items of the server: the components and services attached to it.
struct DiscoItemsIQ: IQHandler {
    let namespace = XMPPNamespace.discoItems
    var features: [String] { [XMPPNamespace.discoItems] }
    let services: @Sendable () -> [DiscoItems.Item]

    func handle(_ request: IQRequest, connection: C2SConnection) async -> IQReply {
        guard !request.isSet else { return .getOnly }
        guard request.child[attribute: "node"] == nil else { return .error(StanzaError(.itemNotFound)) }
        let items = request.to?.localpart == nil ? services() : []
        return .result(DiscoItems(items: items).element)
    }
}
