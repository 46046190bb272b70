import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0357 push notifications, the user's server side: a client enables (§5) or disables
/// (§6) an app server for its account; `PushNotifier` tells the app servers when a message
/// arrives that no active session of the account takes.
struct PushFeature: C2SFeature {
    let registrations: PushRegistrations

    func register(in hooks: inout C2SHooks) {
        // §4: advertised on the account's bare JID.
        hooks.advertiseOnAccount(PushRegistrations.namespace)
        hooks.onIQ(.set, namespace: PushRegistrations.namespace) { request, context in
            try request.checkOwnAccount()
            guard let user = context.jid.userID.username else { throw StanzaError(.forbidden) }
            let child = request.child
            guard let jidText = child[attribute: "jid"], let jid = JID(jidText) else {
                throw StanzaError(.badRequest, text: "the app server's jid is needed")
            }
            let node = child[attribute: "node"]
            switch child.name {
            case "enable":
                guard let node, !node.isEmpty else { throw StanzaError(.badRequest, text: "a node is needed") }
                let options = child.firstChild(named: "x", namespace: XMPPNamespace.dataForms)
                try await registrations.update(user) { list throws(StanzaError) in
                    list.removeAll { $0.jid == jid && $0.node == node }
                    guard list.count < PushRegistrations.maximumPerAccount else {
                        throw StanzaError(.resourceConstraint, text: "at most \(PushRegistrations.maximumPerAccount) app servers")
                    }
                    list.append(.init(jid: jid, node: node, options: options))
                }
            case "disable":
                // §6: without a node, every node of that app server.
                try await registrations.update(user) { list in list.removeAll { $0.jid == jid && (node == nil || $0.node == node) } }
            default:
                throw StanzaError(.badRequest, text: "expected <enable/> or <disable/>")
            }
            return .result(nil)
        }
    }
}
