import DequeModule
import Logging
import NIOCore
import NIOPosix
import ParleyCore
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// The XEP-0114 component client: a `ComponentLink` over a TCP connection to any XMPP
/// server's component port (Prosody, ejabberd, Parley's `xmpp-router`).
///
/// `run(handler:)` connects, performs the handshake, delivers what the server sends to
/// the handler, and reconnects with exponential backoff after a refused connection, a
/// refused handshake, a stream error or a dropped connection, until `shutdown()`.
/// Stanzas sent while the stream is not up wait in a bounded queue and leave in order
/// after the next handshake.
///
/// The actor runs on one event loop, the loop of every connection it makes, so the NIO
/// handlers hand it events synchronously and every write happens on the right thread.
public actor ComponentConnector: ComponentLink, XMPPStanzaLink {
    public nonisolated let domain: String
    public nonisolated let settings: ComponentConnectorSettings
    nonisolated let loop: any EventLoop
    nonisolated let logger: Logger
    nonisolated let codec: ComponentStanzaCodec
    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    var state: ComponentClientState
    var backoff: ReconnectBackoff
    var handler: (any ComponentHandler)?
    /// The connection of the current attempt, once active.
    var channel: (any Channel)?
    /// Counts attempts; events of an older connection are ignored.
    var generation = 0
    /// How the current attempt failed (decides the next wait).
    var failure: ComponentClientState.Retry?
    /// Stanzas waiting for the handshake or for the socket to drain, serialized.
    var pending = Deque<ByteBuffer>()
    /// Stanzas posted but never sent, since start (`noteDropped`).
    var dropped = 0
    /// Whether `pending` passed its high mark and has not yet drained to its low mark.
    var congested = false
    var congestionObservers: [@Sendable (Bool) -> Void] = []
    var stopping = false
    var lastWrite = NIODeadline.now()
    var flushScheduled = false
    var timers: [Scheduled<Void>] = []
    var keepalive: RepeatedTask?
    var sleeper: CheckedContinuation<Void, Never>?
    var wakeUpTimer: Scheduled<Void>?

    /// Connection attempts so far.
    public private(set) var attempts = 0
    /// Successful handshakes so far.
    public private(set) var handshakes = 0

    public init(settings: ComponentConnectorSettings, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.settings = settings
        self.domain = Normalization.foldedNFC(settings.domain)
        self.loop = eventLoopGroup.next()
        var logger = logger
        logger[metadataKey: "component"] = "\(Normalization.foldedNFC(settings.domain))"
        logger[metadataKey: "server"] = "\(settings.host):\(settings.port)"
        self.logger = logger
        self.codec = ComponentStanzaCodec()
        self.state = ComponentClientState(domain: Normalization.foldedNFC(settings.domain), secret: settings.secret)
        self.backoff = ReconnectBackoff(initial: settings.reconnectInitial, maximum: settings.reconnectMaximum)
    }

    /// Whether the stream is authenticated now (stanzas leave at once).
    public var isAuthenticated: Bool { state.isAuthenticated }

    /// Stanzas waiting to be written.
    public var queued: Int { pending.count }

    // MARK: Running

    /// Connects, delivers to `handler`, and reconnects until `shutdown()` (or until the
    /// calling task is cancelled). A connector runs once: after `shutdown()` it stays down.
    public func run(handler: any ComponentHandler) async {
        self.handler = handler
        await withTaskCancellationHandler {
            while !stopping {
                await attempt()
                guard !stopping else { break }
                let retry = failure ?? .backoff
                let wait = backoff.next(after: retry)
                logger.log(
                    level: retry == .longest ? .error : .warning, "component reconnecting",
                    metadata: ["in": "\(Double(Int(wait * 1000)) / 1000) s", "failures": "\(backoff.failures)"])
                await pause(seconds: wait)
            }
        } onCancel: {
            shutdown()
        }
        if !pending.isEmpty {
            logger.notice("component stopped with unsent stanzas", metadata: ["dropped": "\(pending.count)"])
            pending.removeAll()
        }
        self.handler = nil  // a handler usually holds its link: no cycle outlives the run
        logger.notice("component stopped")
    }

    /// One connection, from connecting to closed.
    private func attempt() async {
        generation += 1
        attempts += 1
        failure = nil
        let generation = self.generation
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(Int64(settings.connectTimeout * 1e9)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.initialize(channel, generation: generation) }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: settings.host, port: settings.port).get()
        } catch {
            failure = .backoff
            logger.warning("component cannot connect", metadata: ["error": "\(error)"])
            return
        }
        try? await channel.closeFuture.get()
        if self.generation == generation { connectionEnded() }
    }

    /// Builds the pipeline: XML stream decoder (XMLLimits) → this connector.
    private nonisolated func initialize(_ channel: any Channel, generation: Int) throws {
        let parser = ConnectionParser(limits: settings.limits)
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(ByteToMessageHandler(parser.makeDecoder()))
        try pipeline.addHandler(ComponentChannelHandler(connector: self, generation: generation))
    }

    /// Waits `seconds`, or less if `shutdown()` comes first.
    private func pause(seconds: Double) async {
        guard !stopping else { return }
        await withCheckedContinuation { continuation in
            sleeper = continuation
            wakeUpTimer = loop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { [self] in
                assumeIsolated { $0.wakeUp() }
            }
        }
    }

    private func wakeUp() {
        wakeUpTimer?.cancel()
        wakeUpTimer = nil
        sleeper?.resume()
        sleeper = nil
    }

    /// Closes the stream (`</stream:stream>`, RFC 6120 §4.4) and stops reconnecting;
    /// `run` returns once the connection is closed. Queued stanzas are dropped.
    public nonisolated func shutdown() {
        loop.execute { [self] in assumeIsolated { $0.stop() } }
    }

    private func stop() {
        guard !stopping else { return }
        stopping = true
        wakeUp()
        guard let channel else { return }
        perform(state.close(), on: channel)
        channel.flush()
        let timeout = TimeAmount.nanoseconds(Int64(settings.closeTimeout * 1e9))
        timers.append(loop.scheduleTask(in: timeout) { channel.close(promise: nil) })
    }

    // MARK: Connection events (from ComponentChannelHandler, on the loop)

    func channelActive(_ channel: any Channel, generation: Int) {
        guard generation == self.generation, !stopping else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        logger.debug("component connected, opening the stream")
        perform(state.connected(), on: channel)
        let handshakeTimeout = TimeAmount.nanoseconds(Int64(settings.handshakeTimeout * 1e9))
        timers.append(
            loop.scheduleTask(in: handshakeTimeout) { [self] in
                assumeIsolated { connector in
                    guard connector.generation == generation, !connector.state.isAuthenticated, !connector.state.isOver
                    else { return }
                    connector.abandon(
                        StreamError(.connectionTimeout, text: "no handshake within \(connector.settings.handshakeTimeout) s"),
                        retry: .backoff)
                }
            })
        let interval = TimeAmount.nanoseconds(Int64(settings.keepaliveInterval * 1e9))
        keepalive = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            assumeIsolated { $0.keepAlive(interval: interval) }
        }
    }

    func received(_ event: XMLStreamEvent, generation: Int) {
        guard generation == self.generation, let channel else { return }
        perform(state.received(event), on: channel)
    }

    /// The decoder or the transport failed.
    func failed(_ error: any Error, generation: Int) {
        guard generation == self.generation else { return }
        if let streamError = error as? StreamError {
            // The server sent what we cannot parse (or what exceeds XMLLimits).
            abandon(streamError, retry: .backoff)
        } else if !state.isOver {
            failure = failure ?? .backoff
            logger.warning("component connection failed", metadata: ["error": "\(error)"])
            state.abandon()
            channel?.close(promise: nil)
        }
    }

    func writabilityChanged(generation: Int) {
        guard generation == self.generation else { return }
        drain()
    }

    /// The connection closed; the run loop decides what next.
    private func connectionEnded() {
        if case .fail(let reason, let retry) = state.disconnected() {
            failure = failure ?? retry
            logger.warning("component connection lost", metadata: ["reason": "\(reason)"])
        }
        channel = nil
        for timer in timers { timer.cancel() }
        timers.removeAll()
        keepalive?.cancel()
        keepalive = nil
        flushScheduled = false
        (handler as? any XMPPStanzaComponent)?.linkLost()
    }

    // MARK: Actions

    private func perform(_ action: ComponentClientState.Action, on channel: any Channel) {
        switch action {
        case .send(let bytes):
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            write(buffer, to: channel)
        case .authenticated:
            authenticated(on: channel)
        case .deliver(let element):
            deliver(element)
        case .fail(let reason, let retry):
            failure = retry
            logFailure(reason, retry: retry)
            endStream(error: nil, on: channel)
        case .closed:
            channel.close(promise: nil)
        case .none:
            break
        }
    }

    private func authenticated(on channel: any Channel) {
        backoff.reset()
        handshakes += 1
        for timer in timers { timer.cancel() }
        timers.removeAll()
        logger.notice("component connected", metadata: ["queued": "\(pending.count)"])
        drain()
        if let handler {
            Task { await handler.linkEstablished() }
        }
    }

    /// Gives up on the stream: our stream error, our closing tag, then the connection.
    func abandon(_ error: StreamError, retry: ComponentClientState.Retry) {
        guard let channel, !state.isOver else { return }
        state.abandon()
        failure = retry
        logger.warning("component stream failed", metadata: ["error": "\(error)"])
        endStream(error: error, on: channel)
    }

    private func endStream(error: StreamError?, on channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: 256)
        if let error { buffer.writeXML(error.element, inheritedNamespace: XMPPNamespace.component) }
        buffer.writeString("</stream:stream>")
        lastWrite = .now()
        channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
    }

    private func logFailure(_ reason: String, retry: ComponentClientState.Retry) {
        guard retry == .longest else {
            logger.warning("component stream ended", metadata: ["reason": "\(reason)"])
            return
        }
        let hint: String
        if reason.contains("not-authorized") {
            hint = "the server refused the handshake: check --secret against the server's component_secret"
        } else if reason.contains("conflict") {
            hint = "another component holds this domain on the server"
        } else if reason.contains("host-unknown") || reason.contains("improper-addressing") {
            hint = "the server has no component for this domain (Prosody: a Component \"\(domain)\" block)"
        } else {
            hint = "the server did not accept the component stream"
        }
        logger.error(
            "component refused by the server; retrying after the longest wait",
            metadata: ["reason": "\(reason)", "hint": "\(hint)"])
    }

    private func keepAlive(interval: TimeAmount) {
        guard let channel, state.isAuthenticated, NIODeadline.now() - lastWrite >= interval else { return }
        // RFC 6120 §4.6.1: a single space between stanzas.
        var space = channel.allocator.buffer(capacity: 1)
        space.writeInteger(UInt8(ascii: " "))
        write(space, to: channel)
    }
}
