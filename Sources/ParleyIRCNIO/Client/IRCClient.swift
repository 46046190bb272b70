import DequeModule
import NIOCore
import NIOPosix
import NIOSSL
import ParleyCore
import ParleyIRC

/// An IRC client connection to one network, for gateways: runs `IRCClientState` on a
/// SwiftNIO channel (plain or TLS), rate-limits what it sends, reports events on `events`,
/// and reconnects with backoff after a lost connection, rejoining its channels.
///
/// All mutable state lives on one event loop (`loop`); the public methods hop there.
public final class IRCClient: @unchecked Sendable {
    /// Everything that happens on the connection, until `stop()` finishes the stream.
    public let events: AsyncStream<IRCClientEvent>
    public let configuration: IRCClientConfiguration
    private let continuation: AsyncStream<IRCClientEvent>.Continuation
    private let loop: any EventLoop
    private let sslContext: NIOSSLContext?

    // Event-loop confined.
    private var state: IRCClientState
    private var channel: (any Channel)?
    private var connection = 0
    private var limiter: IRCRateLimiter
    private var queue: Deque<IRCMessage> = []
    private var drainTask: Scheduled<Void>?
    private var reconnectTask: Scheduled<Void>?
    private var started = false
    private var finished = false

    /// Prepares a client; nothing connects before `start()`. Throws when the TLS settings
    /// cannot be loaded (a missing CA file).
    public init(configuration: IRCClientConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        throws
    {
        self.configuration = configuration
        self.loop = group.next()
        self.state = IRCClientState(configuration: configuration)
        self.limiter = IRCRateLimiter(configuration.rateLimit)
        self.sslContext = try configuration.tls.map { try Self.makeSSLContext($0) }
        (events, continuation) = AsyncStream.makeStream(of: IRCClientEvent.self, bufferingPolicy: .unbounded)
    }

    // MARK: Public API

    /// Starts connecting (once); progress arrives on `events`.
    public func start() async {
        try? await loop.submit { self.loopStart() }.get()
    }

    /// Sends `message` once registered, through the rate limiter. Lines queued when the
    /// connection drops are discarded.
    public func send(_ message: IRCMessage) async {
        try? await loop.submit {
            self.queue.append(message)
            self.drain()
        }.get()
    }

    /// Joins `channel` now (if registered) and after every reconnect.
    public func join(_ channel: String, key: String? = nil) async {
        try? await loop.submit { self.perform(self.state.join(channel, key: key)) }.get()
    }

    /// Leaves `channel` and stops rejoining it.
    public func part(_ channel: String, reason: String? = nil) async {
        try? await loop.submit { self.perform(self.state.part(channel, reason: reason)) }.get()
    }

    /// The members of `channel` with their prefixes, or nil when we are not in it.
    public func members(of channel: String) async -> [IRCChannelMember]? {
        try? await loop.submit { self.state.members(of: channel) }.get()
    }

    /// Our current nick.
    public var nick: String {
        get async { (try? await loop.submit { self.state.nick }.get()) ?? configuration.nick }
    }

    /// The capabilities enabled on the current connection.
    public var enabledCapabilities: Set<String> {
        get async { (try? await loop.submit { self.state.enabledCapabilities }.get()) ?? [] }
    }

    /// Sends QUIT, closes, cancels any reconnect and finishes `events`.
    public func stop(message: String? = nil) async {
        let closed: EventLoopFuture<Void>? = try? await loop.submit {
            self.reconnectTask?.cancel()
            self.reconnectTask = nil
            self.drainTask?.cancel()
            self.drainTask = nil
            let channel = self.channel
            self.perform(self.state.stop(message: message))
            return channel?.closeFuture
        }.get()
        try? await closed?.get()
        try? await loop.submit { self.finish() }.get()
    }

    // MARK: Connecting

    private func loopStart() {
        guard !started else { return }
        started = true
        connect()
    }

    private func connect() {
        loop.preconditionInEventLoop()
        reconnectTask = nil
        guard !finished else { return }
        connection += 1
        let id = connection
        let configuration = self.configuration
        let sslContext = self.sslContext
        let serverName = Self.serverName(configuration)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(configuration.connectTimeout * 1000)))
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                    }
                    try sync.addHandler(ByteToMessageHandler(IRCLineDecoder()))
                    try sync.addHandler(
                        IRCClientHandler(client: self, connection: id, fallback: configuration.encodingFallback))
                }
            }
        bootstrap.connect(host: configuration.host, port: configuration.port).whenFailure { error in
            self.loopDisconnected(connection: id, reason: "connection failed: \(error)")
        }
    }

    // MARK: From the handler (on the loop)

    func loopConnected(_ channel: any Channel, connection id: Int) {
        guard id == connection, !finished else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        limiter = IRCRateLimiter(configuration.rateLimit)
        perform(state.connected())
    }

    func loopReceived(_ message: IRCMessage, connection id: Int) {
        guard id == connection else { return }
        perform(state.receive(message))
        if state.isRegistered { drain() }
    }

    func loopError(_ error: any Error, connection id: Int) {
        guard id == connection else { return }
        emit(.other(IRCMessage(command: "ERROR", parameters: ["local: \(error)"])))
    }

    func loopDisconnected(connection id: Int, reason: String) {
        guard id == connection else { return }
        connection += 1  // later callbacks of this connection are stale
        channel = nil
        queue.removeAll()
        drainTask?.cancel()
        drainTask = nil
        perform(state.disconnected(reason: reason))
    }

    // MARK: Actions

    private func perform(_ actions: [IRCClientAction]) {
        for action in actions {
            switch action {
            case .send(let message):
                queue.append(message)
                drain()
            case .sendNow(let message):
                write(message)
            case .event(let event):
                emit(event)
            case .close:
                channel?.close(promise: nil)
            case .scheduleReconnect(let seconds):
                guard !finished else { continue }
                reconnectTask = loop.scheduleTask(in: .nanoseconds(Int64(seconds * 1_000_000_000))) {
                    self.connect()
                }
            }
        }
    }

    private func write(_ message: IRCMessage) {
        guard let channel else { return }
        var buffer = channel.allocator.buffer(capacity: 128)
        buffer.writeIRCMessage(message)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Writes queued lines while the token bucket allows, then waits for the next token.
    private func drain() {
        guard channel != nil, state.isRegistered, drainTask == nil else { return }
        while let next = queue.first {
            let now = Double(NIODeadline.now().uptimeNanoseconds) / 1_000_000_000
            let wait = limiter.take(at: now)
            if wait > 0 {
                drainTask = loop.scheduleTask(in: .nanoseconds(Int64(wait * 1_000_000_000) + 1)) {
                    self.drainTask = nil
                    self.drain()
                }
                return
            }
            queue.removeFirst()
            write(next)
        }
    }

    private func emit(_ event: IRCClientEvent) {
        guard !finished else { return }
        continuation.yield(event)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        continuation.finish()
    }

    // MARK: TLS

    static func makeSSLContext(_ tls: IRCClientTLS) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch tls.verification {
        case .system:
            break
        case .caFile(let path):
            configuration.trustRoots = .file(path)
        case .none:
            configuration.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// The SNI name: the configured one, else the host unless it is an IP address (SNI
    /// carries names only, RFC 6066 §3).
    static func serverName(_ configuration: IRCClientConfiguration) -> String? {
        if let name = configuration.tls?.serverName { return name }
        if (try? SocketAddress(ipAddress: configuration.host, port: 0)) != nil { return nil }
        return configuration.host
    }
}
