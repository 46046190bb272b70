/// Which browser pages may use the XMPP endpoints on the HTTP listener (the WebSocket's
/// upgrade, RFC 6455 §10.2; BOSH's requests and CORS preflights, XEP-0124 §5): the
/// `http-allowed-origins` list, or the same origin when it is empty. A request without an
/// `Origin` field does not come from a browser page and always may.
struct HTTPOriginPolicy: Sendable {
    /// `scheme://host[:port]` each, `*` for any; empty: the same origin only.
    let allowed: [String]

    /// Whether a request from `origin` (its `Origin` field) to `authority` (its `Host`) may go on.
    func allows(_ origin: String?, authority: String?) -> Bool {
        guard let origin else { return true }
        if allowed.isEmpty {
            // Same origin: the page's authority is the one it asks (`Host`).
            guard let authority, Self.authority(of: origin) == authority.lowercased() else { return false }
            return true
        }
        let lowered = origin.lowercased()
        return allowed.contains { $0 == "*" || $0.lowercased() == lowered }
    }

    /// `host[:port]` of `scheme://host[:port]`, lowercased; nil for anything else
    /// (`null`, a path).
    static func authority(of origin: String) -> String? {
        guard let separator = origin.range(of: "://") else { return nil }
        let rest = origin[separator.upperBound...]
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        return rest.lowercased()
    }
}
