import ParleyXML

/// Settings of a `ComponentConnector` (the XEP-0114 component client), each bounded: the
/// initializer clamps every number into its documented range.
public struct ComponentConnectorSettings: Sendable, Equatable {
    /// The component's domain (`echo.example.com`): the `to` of its stream and the domain
    /// of every address it sends from.
    public var domain: String
    /// The server's host name or address (its component port listens there).
    public var host: String
    /// The server's component port (Prosody's `component_ports`, usually 5347), 1…65535.
    public var port: Int
    /// The shared secret (Prosody's `component_secret`).
    public var secret: String
    /// First wait in seconds before reconnecting, 0.001…`reconnectMaximum`; doubles after
    /// each failure.
    public var reconnectInitial: Double
    /// Longest wait in seconds before reconnecting (`--reconnect-max`), 0.001…3600.
    public var reconnectMaximum: Double
    /// Stanzas kept while the stream is not authenticated or the socket is backed up
    /// (`--queue-limit`), 0…1,000,000; beyond it a send fails at once.
    public var queueLimit: Int
    /// When the queue counts as congested (`ComponentLink.onCongestionChange`): from a
    /// quarter of `queueLimit` until it is back at a sixteenth, so that a component which
    /// pauses its sources then still has three quarters of the queue for what was already
    /// on its way.
    public var congestionMarks: (high: Int, low: Int) { (max(1, queueLimit / 4), queueLimit / 16) }
    /// Seconds without writing after which a single space is sent (RFC 6120 §4.6.1), 0.01…3600.
    public var keepaliveInterval: Double
    /// Seconds to wait for the TCP connection, 0.1…300.
    public var connectTimeout: Double
    /// Seconds from the TCP connection to a successful handshake, 0.1…300.
    public var handshakeTimeout: Double
    /// Seconds to wait for the server's `</stream:stream>` after ours (RFC 6120 §4.4), 0…60.
    public var closeTimeout: Double
    /// What the server may send in one stanza, how deep, how many attributes.
    public var limits: XMLLimits

    public init(
        domain: String, host: String, port: Int, secret: String, reconnectInitial: Double = 0.5,
        reconnectMaximum: Double = 30, queueLimit: Int = 1000, keepaliveInterval: Double = 60,
        connectTimeout: Double = 10, handshakeTimeout: Double = 20, closeTimeout: Double = 2,
        limits: XMLLimits = .default
    ) {
        self.domain = domain
        self.host = host
        self.port = min(max(port, 1), 65535)
        self.secret = secret
        self.reconnectMaximum = Self.clamp(reconnectMaximum, 0.001...3600)
        self.reconnectInitial = Self.clamp(reconnectInitial, 0.001...self.reconnectMaximum)
        self.queueLimit = min(max(queueLimit, 0), 1_000_000)
        self.keepaliveInterval = Self.clamp(keepaliveInterval, 0.01...3600)
        self.connectTimeout = Self.clamp(connectTimeout, 0.1...300)
        self.handshakeTimeout = Self.clamp(handshakeTimeout, 0.1...300)
        self.closeTimeout = Self.clamp(closeTimeout, 0...60)
        self.limits = limits
    }

    /// The settings for an external placement; nil when it runs in process.
    public init?(placement: ComponentPlacement) {
        guard case .external(let host, let port, let secret) = placement.mode else { return nil }
        self.init(
            domain: placement.domain, host: host, port: port, secret: secret,
            reconnectMaximum: placement.reconnectMaximum, queueLimit: placement.queueLimit)
    }

    private static func clamp(_ value: Double, _ range: ClosedRange<Double>) -> Double {
        value.isNaN ? range.lowerBound : min(max(value, range.lowerBound), range.upperBound)
    }
}
