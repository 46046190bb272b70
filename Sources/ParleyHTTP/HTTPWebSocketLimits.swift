/// The bounds of one WebSocket endpoint (`WebSocketEndpoint.limits`): how large a message
/// may be and how often the server pings.
public struct HTTPWebSocketLimits: Sendable, Equatable {
    /// Bytes of one message, whether it comes in one frame or in fragments (RFC 6455 §5.4);
    /// larger closes the connection with 1009 (§7.4.1, message too big).
    public var maximumMessageSize: Int
    /// Fragments of one message at most; more closes the connection with 1009.
    public var maximumFragments: Int
    /// Seconds between the server's pings (RFC 6455 §5.5.2); a peer that has not answered
    /// the previous one by then is disconnected.
    public var pingInterval: Double

    public init(maximumMessageSize: Int = 1 << 16, maximumFragments: Int = 64, pingInterval: Double = 60) {
        self.maximumMessageSize = maximumMessageSize
        self.maximumFragments = maximumFragments
        self.pingInterval = pingInterval
    }

    /// For the log.
    public var summary: String { "ws-message=\(maximumMessageSize)B ws-ping=\(pingInterval)s" }
}
