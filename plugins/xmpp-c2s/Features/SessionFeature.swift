import ParleyXMPP

/// RFC 3921 §3: the legacy session establishment, answered with success for old clients
/// (RFC 6121 Appendix E keeps the feature optional).
struct SessionFeature: C2SFeature {
    func register(in hooks: inout C2SHooks) {
        hooks.onIQ(.set, namespace: XMPPNamespace.session) { _, _ in .result(nil) }
    }
}
