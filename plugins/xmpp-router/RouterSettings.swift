/// The settings of one `xmpp-router` listener, each bounded (see `XMPPRouterPlugin.options`).
struct RouterSettings: Sendable {
    var host = "127.0.0.1"
    /// XEP-0114 has no registered port; 5347 is what Prosody, ejabberd and jabberd2 use.
    var port = 5347
    /// One shared secret per component domain (XEP-0114 §3).
    var secrets = ComponentSecrets()
    /// RFC 6120 §13.12: the largest stanza accepted; larger ones are a policy violation.
    var maxStanzaBytes = 262_144
    /// Seconds from connect to a successful handshake before `connection-timeout`.
    var handshakeTimeout = 10.0
    /// Seconds without any byte to a component before a whitespace keepalive (RFC 6120 §4.6.1).
    var keepaliveInterval = 60.0
    /// The flood limit: the rate and burst of the token bucket each component draws one
    /// token from per stanza; an empty bucket ends the stream with `policy-violation`.
    var maxStanzasPerSecond = 400_000
    /// Bytes waiting to be written to one component (queued, or written to a socket that has
    /// not taken them yet). Past it the component is cut off: it is not reading.
    var queueLimitBytes = 4 << 20
    /// Seconds a component's queue may stay congested (above a quarter of the limit, its
    /// forwarders paused) without its socket taking a byte, before it is cut off.
    var stallTimeout = 10.0
    /// Stanzas from one component waiting for the chat model before the router stops reading
    /// from it (backpressure, not an error).
    var inboundQueueLimit = 64
}
