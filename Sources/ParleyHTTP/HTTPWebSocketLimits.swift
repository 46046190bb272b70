import HummingbirdWebSocket

/// The WebSocket bounds of one listener, asked for by each mount that serves a WebSocket
/// route (`HTTPMount.webSocket`). A listener with any of them upgrades HTTP/1.1 requests to
/// WebSocket (RFC 6455 §4) on those routes; `merged(_:)` combines several plugins' asks.
public struct HTTPWebSocketLimits: Sendable, Equatable {
    /// Bytes of one frame's payload; a larger frame closes the connection with 1009
    /// (RFC 6455 §7.4.1, message too big). A message (fragmented frames) is bounded by the
    /// route itself when it reads them.
    public var maximumFrameSize: Int
    /// Seconds between the server's pings (RFC 6455 §5.5.2); a peer that has not answered
    /// the previous one by then is disconnected.
    public var pingInterval: Double

    public init(maximumFrameSize: Int = 1 << 16, pingInterval: Double = 60) {
        self.maximumFrameSize = maximumFrameSize
        self.pingInterval = pingInterval
    }

    /// The largest frame size (every plugin's messages must fit) and the shortest ping
    /// interval (a dead peer is found as soon as any plugin wants it found); nil when no
    /// mount asked for WebSocket.
    public static func merged(_ limits: [HTTPWebSocketLimits]) -> HTTPWebSocketLimits? {
        guard var result = limits.first else { return nil }
        for other in limits.dropFirst() {
            result.maximumFrameSize = max(result.maximumFrameSize, other.maximumFrameSize)
            result.pingInterval = min(result.pingInterval, other.pingInterval)
        }
        return result
    }

    /// For the log.
    public var summary: String { "ws-frame=\(maximumFrameSize)B ws-ping=\(pingInterval)s" }
}

extension HTTPWebSocketLimits {
    /// HummingbirdWebSocket's server configuration: the frame bound, automatic pings, text
    /// checked as UTF-8 (RFC 6455 §8.1), 5 s for the peer's closing frame.
    var configuration: WebSocketServerConfiguration {
        WebSocketServerConfiguration(
            maxFrameSize: maximumFrameSize,
            autoPing: .enabled(timePeriod: .milliseconds(Int64(pingInterval * 1000))),
            closeTimeout: .seconds(5), validateUTF8: true)
    }
}
