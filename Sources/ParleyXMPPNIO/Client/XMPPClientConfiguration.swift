import ParleyXML
import ParleyXMPP

/// How an `XMPPClient` reaches its server: the login (`settings`), the transport and its
/// timeouts, and the reconnect backoff. Every duration is in seconds.
public struct XMPPClientConfiguration: Sendable {
    /// Who logs in, and whether TLS is required (`XMPPClientSettings.requireTLS`).
    public var settings: XMPPClientSettings
    /// The server to connect to (no SRV lookup: give the host the domain's records name).
    public var host: String
    /// Its client port (RFC 6120 §3.2.1: 5222).
    public var port: Int
    /// How the server's certificate is checked after STARTTLS.
    public var verification: XMPPClientTLS
    /// The TCP connection must be up within this.
    public var connectTimeout: Double
    /// STARTTLS, SASL and binding must be done within this, else the attempt is abandoned.
    public var negotiationTimeout: Double
    /// A whitespace keepalive (RFC 6120 §4.6.1) after this much silence from us.
    public var keepaliveInterval: Double
    /// The first wait before reconnecting, doubled per failure up to `reconnectMaximum`,
    /// with jitter (`ReconnectBackoff`).
    public var reconnectInitial: Double
    /// The longest wait before reconnecting (also the wait after a refusal: a wrong
    /// password, an unknown host).
    public var reconnectMaximum: Double
    /// Stanzas from the server waiting for the user at most; beyond it they are dropped
    /// and counted in the log.
    public var eventBuffer: Int

    public init(
        settings: XMPPClientSettings, host: String, port: Int = 5222, verification: XMPPClientTLS = .system,
        connectTimeout: Double = 10, negotiationTimeout: Double = 30, keepaliveInterval: Double = 60,
        reconnectInitial: Double = 1, reconnectMaximum: Double = 300, eventBuffer: Int = 10_000
    ) {
        self.settings = settings
        self.host = host
        self.port = port
        self.verification = verification
        self.connectTimeout = connectTimeout
        self.negotiationTimeout = negotiationTimeout
        self.keepaliveInterval = keepaliveInterval
        self.reconnectInitial = reconnectInitial
        self.reconnectMaximum = reconnectMaximum
        self.eventBuffer = eventBuffer
    }
}

/// How a client checks the server's certificate (RFC 6120 §13.7.2, RFC 6125: against the
/// domain of the account, not the host connected to).
public enum XMPPClientTLS: Sendable, Equatable {
    /// The system's trusted authorities.
    case system
    /// The authorities in this PEM file (a private CA, a self-signed server).
    case caFile(String)
    /// No check at all (tests only).
    case none
}

/// What happened on an `XMPPClient`'s connection, for its user.
public enum XMPPClientEvent: Sendable, Equatable {
    /// Logged in and bound: stanzas flow; our full JID.
    case online(JID)
    /// A stanza from the server (IQ pings and unknown requests are answered already).
    case stanza(XMLElement)
    /// The connection is gone (or could not be made), and why.
    case disconnected(reason: String)
    /// The next attempt starts after this many seconds.
    case reconnecting(after: Double)
}
