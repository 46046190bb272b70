/// The identities a peer's certificate was verified for, and RFC 6125 matching against a
/// domain (XEP-0178 §3, RFC 6120 §13.7.1.2). The shell fills it after the TLS handshake
/// from a chain that verified against the trust store; a chain that did not verify names
/// nothing.
public enum S2SCertificateNames: Sendable, Equatable {
    /// No certificate, or one that did not verify.
    case none
    /// A verified chain whose leaf names these identities.
    case verified(S2SCertificateIdentities)

    /// Whether `domain` is one of the certificate's identities.
    public func covers(_ domain: String) -> Bool {
        guard case .verified(let identities) = self else { return false }
        return identities.covers(domain)
    }

    public var isVerified: Bool { self != .none }
}

/// The identities in a certificate's subjectAltName (RFC 6125 §6.4; RFC 6120 §13.7.1.2).
public struct S2SCertificateIdentities: Sendable, Equatable {
    /// DNS-IDs (dNSName), possibly with a wildcard as the leftmost label.
    public var dnsNames: [String]
    /// XmppAddr identifiers (id-on-xmppAddr, RFC 6120 §13.7.1.4).
    public var xmppAddresses: [String]
    /// SRV-IDs (id-on-dnsSRV, RFC 4985) for `_xmpp-server`, without the service label.
    /// The subject's common name is not an identity here (RFC 6125 §6.4.4 allows it only as
    /// a last resort, and RFC 6120 §13.7.1.2 asks for subjectAltName).
    public var srvDomains: [String]

    public init(dnsNames: [String] = [], xmppAddresses: [String] = [], srvDomains: [String] = []) {
        self.dnsNames = dnsNames
        self.xmppAddresses = xmppAddresses
        self.srvDomains = srvDomains
    }

    public func covers(_ domain: String) -> Bool {
        let domain = domain.lowercased()
        if xmppAddresses.contains(where: { $0.lowercased() == domain }) { return true }
        if srvDomains.contains(where: { $0.lowercased() == domain }) { return true }
        return dnsNames.contains { Self.matches(pattern: $0, domain: domain) }
    }

    /// RFC 6125 §6.4.3: a `*` may stand for the whole leftmost label only, and never
    /// for more than one label.
    static func matches(pattern: String, domain: String) -> Bool {
        let pattern = pattern.lowercased()
        guard pattern.hasPrefix("*.") else { return pattern == domain }
        guard let dot = domain.firstIndex(of: "."), dot != domain.startIndex else { return false }
        return domain[domain.index(after: dot)...] == pattern.dropFirst(2)
    }
}
