import ParleyXML

/// Who an XMPP client logs in as (RFC 6120) and how much protection it insists on; the
/// transport (host, port, certificates, reconnect) is the NIO shell's business.
public struct XMPPClientSettings: Sendable, Equatable {
    /// The account, a bare JID (`relay@example.org`); the stream is addressed to its domain.
    public var jid: JID
    /// The account's password (SASL SCRAM or PLAIN).
    public var password: String
    /// The resource asked for at binding (RFC 6120 §7.6); the server may assign another.
    public var resource: String
    /// RFC 6120 §5.3.1, §13.9.1: refuse to authenticate unless the stream is encrypted
    /// (STARTTLS offered and negotiated). Off only for loopback tests and trusted links.
    public var requireTLS: Bool
    /// Whether PLAIN may be used on a clear stream (it sends the password as it is). PLAIN
    /// over TLS is always allowed, after the SCRAM mechanisms.
    public var allowPlainWithoutTLS: Bool
    /// Hard limits on what the server can make the parser hold (stanza size, depth, ...).
    public var limits: XMLLimits

    public init(
        jid: JID, password: String, resource: String = "parley", requireTLS: Bool = true,
        allowPlainWithoutTLS: Bool = false, limits: XMLLimits = XMLLimits(maxStanzaBytes: 262_144)
    ) {
        self.jid = jid.bare
        self.password = password
        self.resource = resource
        self.requireTLS = requireTLS
        self.allowPlainWithoutTLS = allowPlainWithoutTLS
        self.limits = limits
    }
}
