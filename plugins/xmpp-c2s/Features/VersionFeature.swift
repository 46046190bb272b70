import ParleyXMPP

/// XEP-0092: the server's software name and version.
struct VersionFeature: C2SFeature {
    func register(in hooks: inout C2SHooks) {
        hooks.advertise(XMPPNamespace.version)
        hooks.onIQ(.get, namespace: XMPPNamespace.version) { request, _ in
            // Only the server answers for itself; an account's version is its clients' business.
            guard request.to?.localpart == nil else { return .error(StanzaError(.serviceUnavailable)) }
            return .result(SoftwareVersion.parley.element)
        }
    }
}
