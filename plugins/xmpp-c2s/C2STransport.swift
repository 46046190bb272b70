import NIOCore
import NIOSSL
import ParleyServerNIO

/// What one client's stream is carried on, under the negotiation and the session logic
/// (`C2SConnection`, `C2SMind`), which are the same on every transport: a NIO channel with
/// TCP or RFC 7395 WebSocket framing (`C2SChannelTransport`), or a BOSH session made of
/// many HTTP requests (XEP-0124/XEP-0206, `BOSHTransport`). Every call but `isActive`
/// happens on `eventLoop`.
protocol C2STransport: AnyObject, Sendable {
    /// The loop that runs the connection actor and takes its writes.
    var eventLoop: any EventLoop { get }
    var allocator: ByteBufferAllocator { get }
    /// Whether the stream still has a way to the client (deliveries to a gone one fail).
    var isActive: Bool { get }
    /// The client's address, for the log.
    var peer: String { get }
    /// Whether the server sends whitespace keepalives and times out a silent client itself
    /// (TCP); over WebSocket the listener's pings do it, over BOSH the session's inactivity.
    var keepsAliveInStream: Bool { get }
    /// Whether each element goes out on its own (RFC 7395 §3.3.3, XEP-0206 §4), so it is
    /// best serialized declaring its namespace rather than inheriting the stream's.
    var elementsStandAlone: Bool { get }

    /// Queues one whole element (or a keepalive) as serialized inside a TCP stream, with
    /// the stream header's namespaces inherited.
    func write(_ element: ByteBuffer)
    /// Sends what was queued.
    func flush()
    /// Our stream opening with stream id `id` (RFC 6120 §4.7), queued before the features.
    func writeOpening(id: String, domain: String)
    /// Our closing, after `error` (a `<stream:error/>` as serialized in the stream) if any;
    /// then the transport closes (RFC 6120 §4.4).
    func closeStream(after error: ByteBuffer?)
    /// Drops the transport at once.
    func close()
    /// RFC 6120 §5: TLS from the next byte on (STARTTLS, offered on TCP only).
    func startTLS(_ context: NIOSSLContext) throws
    /// Stops or restarts reading from the client (the inbox is congested or drained).
    func pauseReading(_ paused: Bool)
    /// Whether the client left more than `limit` unread.
    func isSendQueueExceeded(_ limit: SendQueueLimit) -> Bool
    /// The transport's own timers, from the connection's sweep (`C2SConnection.tick`).
    func tick(now: NIODeadline)
}
