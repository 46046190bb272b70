import ParleyXMPP

/// XEP-0280 message carbons: a resource that enables them (§4) sees the one-to-one
/// messages its account's other resources send and receive (the model's copies,
/// `ChatSession.receiveCopies`; rendered by `C2SMind`), until it disables them (§5).
struct CarbonsFeature: C2SFeature {
    func register(in hooks: inout C2SHooks) {
        hooks.advertise(XMPPNamespace.carbons)
        hooks.onIQ(.set, namespace: XMPPNamespace.carbons) { request, context in
            // §4, §5: to the account itself (no `to`, or its own bare JID).
            try request.checkOwnAccount()
            switch request.child.name {
            case "enable": await context.session.receiveCopies(true)
            case "disable": await context.session.receiveCopies(false)
            default: throw StanzaError(.badRequest, text: "expected <enable/> or <disable/>")
            }
            return .result(nil)
        }
    }
}
