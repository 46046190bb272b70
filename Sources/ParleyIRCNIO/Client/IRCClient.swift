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
/// All mutable state lives on one event loop (`eventLoop`); the async methods hop there,
/// and `onLoop` offers the same operations without a hop to code already on that loop.
public final class IRCClient: @unchecked Sendable {
    /// Everything that happens on the connection, until `stop()` finishes the stream
    /// (empty and finished for a client made with an `onEvent` callback).
    public let events: AsyncStream<IRCClientEvent>
    public let configuration: IRCClientConfiguration
    /// The loop the connection and all of the client's state live on.
    public let eventLoop: any EventLoop
    private let sink: EventSink
    private let sslContext: NIOSSLContext?

    /// Where events go: the `events` stream, or a callback on the loop.
    private enum EventSink {
        case stream(AsyncStream<IRCClientEvent>.Continuation)
        case callback((IRCClientEvent) -> Void)
    }
    private var loop: any EventLoop { eventLoop }

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
    /// Whether the caller asked to stop reading from the network for now (`setReading`).
    private var readingPaused = false

    /// Prepares a client whose events arrive on `events`; nothing connects before
    /// `start()`. Throws when the TLS settings cannot be loaded (a missing CA file).
    public convenience init(
        configuration: IRCClientConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        let (events, continuation) = AsyncStream.makeStream(of: IRCClientEvent.self, bufferingPolicy: .unbounded)
        try self.init(configuration: configuration, loop: group.next(), events: events, sink: .stream(continuation))
    }

    /// Prepares a client on `loop` that calls `onEvent` on that loop for each event, in
    /// order, with no hop and no queue between the socket and the caller: for code that
    /// lives on the same loop (a gateway's puppet). `events` stays empty.
    public convenience init(
        configuration: IRCClientConfiguration, loop: any EventLoop, onEvent: @escaping (IRCClientEvent) -> Void
    ) throws {
        let (events, continuation) = AsyncStream.makeStream(of: IRCClientEvent.self)
        continuation.finish()
        try self.init(configuration: configuration, loop: loop, events: events, sink: .callback(onEvent))
    }

    private init(
        configuration: IRCClientConfiguration, loop: any EventLoop, events: AsyncStream<IRCClientEvent>, sink: EventSink
    ) throws {
        self.configuration = configuration
        self.eventLoop = loop
        self.state = IRCClientState(configuration: configuration)
        self.limiter = IRCRateLimiter(configuration.rateLimit)
        self.sslContext = try configuration.tls.map { try IRCClientTLSContexts.shared.context(for: $0) }
        self.events = events
        self.sink = sink
    }

    // MARK: Public API

    /// Starts connecting (once); progress arrives on `events`.
    public func start() async {
        try? await loop.submit { self.onLoop.start() }.get()
    }

    /// Sends `message` once registered, through the rate limiter. Lines queued when the
    /// connection drops are discarded.
    public func send(_ message: IRCMessage) async {
        try? await loop.submit { self.onLoop.send(message) }.get()
    }

    /// Joins `channel` now (if registered) and after every reconnect.
    public func join(_ channel: String, key: String? = nil) async {
        try? await loop.submit { self.onLoop.join(channel, key: key) }.get()
    }

    /// Leaves `channel` and stops rejoining it.
    public func part(_ channel: String, reason: String? = nil) async {
        try? await loop.submit { self.onLoop.part(channel, reason: reason) }.get()
    }

    /// The members of `channel` with their prefixes, or nil when we are not in it.
    public func members(of channel: String) async -> [IRCChannelMember]? {
        try? await loop.submit { self.onLoop.members(of: channel) }.get()
    }

    /// Our current nick.
    public var nick: String {
        get async { (try? await loop.submit { self.onLoop.nick }.get()) ?? configuration.nick }
    }

    /// The capabilities enabled on the current connection.
    public var enabledCapabilities: Set<String> {
        get async { (try? await loop.submit { self.onLoop.enabledCapabilities }.get()) ?? [] }
    }

    /// Sends QUIT, closes, cancels any reconnect and finishes `events`.
    public func stop(message: String? = nil) async {
        let stopped: EventLoopFuture<Void>? = try? await loop.submit { self.onLoop.stop(message: message) }.get()
        try? await stopped?.get()
    }

    // MARK: On the loop (`OnLoop`)

    func loopStart() {
        guard !started else { return }
        started = true
        connect()
    }

    func loopSend(_ messages: some Sequence<IRCMessage>) {
        queue.append(contentsOf: messages)
        drain()
    }

    func loopJoin(_ channel: String, key: String?) { perform(state.join(channel, key: key)) }

    func loopPart(_ channel: String, reason: String?) { perform(state.part(channel, reason: reason)) }

    func loopSetReading(_ reading: Bool) {
        guard readingPaused == reading else { return }
        readingPaused = !reading
        channel?.setOption(ChannelOptions.autoRead, value: reading).whenFailure { _ in }
    }

    var loopNick: String { state.nick }

    func loopMembers(of channel: String) -> [IRCChannelMember]? { state.members(of: channel) }

    var loopEnabledCapabilities: Set<String> { state.enabledCapabilities }

    /// QUIT, close, no reconnect; the future completes once the connection is closed and
    /// the events are finished.
    func loopStop(message: String?) -> EventLoopFuture<Void> {
        reconnectTask?.cancel()
        reconnectTask = nil
        drainTask?.cancel()
        drainTask = nil
        let closed = channel?.closeFuture ?? loop.makeSucceededVoidFuture()
        perform(state.stop(message: message))
        return closed.always { _ in self.finish() }
    }

    // MARK: Connecting

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
            // A gateway holds thousands of these connections, mostly idle: start reading into
            // 512 bytes (NIO's default is 2 KiB, kept per channel) and grow for bursts.
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536))
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
        if readingPaused { channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in } }
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
        while !queue.isEmpty {
            // IRCv3 batch §"Client-initiated batches": a batch we send leaves whole, so that
            // nothing (a PONG) lands inside it; it waits until its end is queued.
            guard let unit = IRCOutgoingUnit.length(of: queue) else { return }
            let now = Double(NIODeadline.now().uptimeNanoseconds) / 1_000_000_000
            let wait = limiter.take(at: now)
            if wait > 0 {
                drainTask = loop.scheduleTask(in: .nanoseconds(Int64(wait * 1_000_000_000) + 1)) {
                    self.drainTask = nil
                    self.drain()
                }
                return
            }
            limiter.charge(unit - 1, at: now)  // the batch's other lines, paid for afterwards
            for _ in 0..<unit { write(queue.removeFirst()) }
        }
    }

    private func emit(_ event: IRCClientEvent) {
        guard !finished else { return }
        switch sink {
        case .stream(let continuation): continuation.yield(event)
        case .callback(let onEvent): onEvent(event)
        }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        if case .stream(let continuation) = sink { continuation.finish() }
    }

    // MARK: TLS

    /// The SNI name: the configured one, else the host unless it is an IP address (SNI
    /// carries names only, RFC 6066 §3).
    static func serverName(_ configuration: IRCClientConfiguration) -> String? {
        if let name = configuration.tls?.serverName { return name }
        if (try? SocketAddress(ipAddress: configuration.host, port: 0)) != nil { return nil }
        return configuration.host
    }
}
