import ParleyXMPP

/// XEP-0199 §4.2: a ping to the server is answered with an empty result.
struct PingFeature: C2SFeature {
    func register(in hooks: inout C2SHooks) {
        hooks.advertise(XMPPNamespace.ping)
        hooks.onIQ(.get, namespace: XMPPNamespace.ping) { request, _ in
            request.child.name == "ping" ? .result(nil) : .error(StanzaError(.badRequest))
        }
    }
}
