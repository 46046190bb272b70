import NIOCore

/// One listening socket of a `ServerListener`: where it binds and how each accepted
/// channel's pipeline is set up (a framer and a handler, with TLS in front where wanted).
public struct ListenerEndpoint: Sendable {
    /// The key of the bound port on the "listening" log line: `port`, `tls-port`.
    public var label: String
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// Sets up an accepted channel on its event loop.
    public var initializer: @Sendable (any Channel) throws -> Void

    public init(label: String = "port", host: String, port: Int, initializer: @escaping @Sendable (any Channel) throws -> Void) {
        self.label = label
        self.host = host
        self.port = port
        self.initializer = initializer
    }
}

/// Socket and timer settings shared by a listener's endpoints.
public struct ListenerOptions: Sendable {
    /// The accept queue (`listen(2)` backlog).
    public var backlog: Int32 = 1024
    /// Reads per event-loop turn per connection, so one chatty peer cannot hog a loop.
    public var maxMessagesPerRead: UInt = 4
    /// The first read buffer of a connection and the bounds NIO grows it within; nil keeps
    /// NIO's default. Small first reads keep idle connections small.
    public var readBuffer: ReadBufferSizes? = nil
    /// How often each loop's sweeper ticks its connections.
    public var sweepInterval: TimeAmount = .milliseconds(500)

    public init() {}

    /// The sizes of `AdaptiveRecvByteBufferAllocator`.
    public struct ReadBufferSizes: Sendable {
        public var minimum: Int
        public var initial: Int
        public var maximum: Int

        public init(minimum: Int, initial: Int, maximum: Int) {
            self.minimum = minimum
            self.initial = initial
            self.maximum = maximum
        }
    }
}
