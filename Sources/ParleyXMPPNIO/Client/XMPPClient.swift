import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ParleyCore
import ParleyXML
import ParleyXMPP

/// An XMPP client connection (RFC 6120, RFC 6121) for bridges and bots: runs
/// `XMPPClientState` on a SwiftNIO channel (STARTTLS with swift-nio-ssl), reports what
/// happens on `events`, answers pings, sends whitespace keepalives, and reconnects with
/// backoff and jitter after a lost connection until `stop()`. What the user needs again
/// after a reconnect (joining rooms) it does on each `.online` event.
///
/// All mutable state lives on one event loop (`loop`); the public methods hop there.
public final class XMPPClient: @unchecked Sendable {
    /// Everything that happens on the connection, until `stop()` finishes the stream.
    public let events: AsyncStream<XMPPClientEvent>
    public let configuration: XMPPClientConfiguration
    private let continuation: AsyncStream<XMPPClientEvent>.Continuation
    private let loop: any EventLoop
    private let sslContext: NIOSSLContext?
    private let logger: Logger

    // Event-loop confined.
    private var state: XMPPClientState
    private var backoff: ReconnectBackoff
    private var channel: (any Channel)?
    private var parser: ConnectionParser?
    private var connection = 0
    private var failure: BackoffRetry?
    private var timers: [Scheduled<Void>] = []
    private var keepalive: RepeatedTask?
    private var lastWrite = NIODeadline.now()
    private var reconnectTask: Scheduled<Void>?
    private var started = false
    private var finished = false
    private var droppedEvents = 0

    /// Prepares a client; nothing connects before `start()`. Throws when the TLS settings
    /// cannot be loaded (a missing CA file).
    public init(
        configuration: XMPPClientConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.loop = group.next()
        self.state = XMPPClientState(settings: configuration.settings)
        self.backoff = ReconnectBackoff(initial: configuration.reconnectInitial, maximum: configuration.reconnectMaximum)
        self.sslContext = try Self.makeSSLContext(configuration.verification)
        var logger = logger
        logger[metadataKey: "xmpp-server"] = "\(configuration.host):\(configuration.port)"
        logger[metadataKey: "jid"] = "\(configuration.settings.jid)"
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(
            of: XMPPClientEvent.self, bufferingPolicy: .bufferingOldest(max(1, configuration.eventBuffer)))
    }

    // MARK: Public API

    /// Starts connecting (once); progress arrives on `events`.
    public func start() async {
        try? await loop.submit {
            guard !self.started else { return }
            self.started = true
            self.connect()
        }.get()
    }

    /// Sends `stanza` if the stream is online; returns whether it went out (nothing is
    /// queued across reconnects: the user learns from `.online` when to send again).
    @discardableResult
    public func send(_ stanza: XMLElement) async -> Bool {
        (try? await loop.submit { () -> Bool in
            guard self.state.jid != nil, let channel = self.channel else { return false }
            self.write(stanza, to: channel)
            return true
        }.get()) ?? false
    }

    /// Drops the current connection and reconnects after the backoff (a room that no
    /// longer answers our self-ping, XEP-0410 §3).
    public func reconnect(reason: String) async {
        try? await loop.submit {
            guard let channel = self.channel, !self.state.isOver else { return }
            self.logger.warning("xmpp client reconnecting", metadata: ["reason": "\(reason)"])
            self.failure = .backoff
            self.state.abandon()
            channel.close(promise: nil)
        }.get()
    }

    /// Closes the stream (`</stream:stream>`, RFC 6120 §4.4), cancels any reconnect and
    /// finishes `events`.
    public func stop() async {
        let closed: EventLoopFuture<Void>? = try? await loop.submit {
            self.finished = true
            self.reconnectTask?.cancel()
            self.reconnectTask = nil
            guard let channel = self.channel else { return nil }
            self.perform(self.state.close(), on: channel)
            self.timers.append(self.loop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) })
            return channel.closeFuture
        }.get()
        try? await closed?.get()
        continuation.finish()
    }

    // MARK: Connecting

    private func connect() {
        loop.preconditionInEventLoop()
        reconnectTask = nil
        guard !finished else { return }
        connection += 1
        failure = nil
        let id = connection
        let parser = ConnectionParser(limits: configuration.settings.limits)
        self.parser = parser
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(Int64(configuration.connectTimeout * 1e9)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ByteToMessageHandler(parser.makeDecoder()))
                    try sync.addHandler(XMPPClientHandler(client: self, connection: id))
                }
            }
        bootstrap.connect(host: configuration.host, port: configuration.port).whenFailure { error in
            self.loopDisconnected(connection: id, reason: "cannot connect: \(error)")
        }
    }

    // MARK: From the handler (on the loop)

    func loopConnected(_ channel: any Channel, connection id: Int) {
        guard id == connection, !finished else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        perform(state.connected(), on: channel)
        let timeout = configuration.negotiationTimeout
        timers.append(
            loop.scheduleTask(in: .nanoseconds(Int64(timeout * 1e9))) {
                guard id == self.connection, self.state.jid == nil, !self.state.isOver else { return }
                self.abandon("no login within \(timeout) s", retry: .backoff)
            })
        let interval = TimeAmount.nanoseconds(Int64(configuration.keepaliveInterval * 1e9))
        keepalive = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            self.keepAlive(interval: interval)
        }
    }

    func loopReceived(_ event: XMLStreamEvent, connection id: Int) {
        guard id == connection, let channel else { return }
        perform(state.received(event), on: channel)
    }

    func loopError(_ error: any Error, connection id: Int) {
        guard id == connection, !state.isOver else { return }
        // A StreamError here is the parser's: the server sent what breaks XMLLimits or XML.
        abandon("\(error is StreamError ? "the server's stream: " : "")\(error)", retry: .backoff)
    }

    func loopDisconnected(connection id: Int, reason: String) {
        guard id == connection else { return }
        connection += 1  // later callbacks of this connection are stale
        channel = nil
        for timer in timers { timer.cancel() }
        timers.removeAll()
        keepalive?.cancel()
        keepalive = nil
        _ = state.disconnected()  // a stream that was up asks for a backoff, the default
        let retry = failure ?? .backoff
        failure = nil
        logger.warning("xmpp client disconnected", metadata: ["reason": "\(reason)"])
        emit(.disconnected(reason: reason))
        guard !finished else { return }
        let wait = backoff.next(after: retry)
        emit(.reconnecting(after: wait))
        logger.info("xmpp client reconnecting", metadata: ["in": "\(Double(Int(wait * 1000)) / 1000) s"])
        reconnectTask = loop.scheduleTask(in: .nanoseconds(Int64(wait * 1e9))) { self.connect() }
    }

    // MARK: Actions

    private func perform(_ actions: [XMPPClientAction], on channel: any Channel) {
        for action in actions {
            switch action {
            case .send(let element):
                write(element, to: channel)
            case .write(let bytes):
                var buffer = channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                lastWrite = .now()
                channel.writeAndFlush(buffer, promise: nil)
            case .resetParser:
                parser?.parser.reset()
            case .startTLS:
                startTLS(on: channel)
            case .online(let jid):
                backoff.reset()
                for timer in timers { timer.cancel() }
                timers.removeAll()
                logger.notice("xmpp client online", metadata: ["bound": "\(jid)", "tls": "\(state.isSecure)"])
                emit(.online(jid))
            case .stanza(let element):
                emit(.stanza(element))
            case .fail(let reason, let retry):
                failure = retry
                logger.log(level: retry == .longest ? .error : .warning, "xmpp stream failed", metadata: ["reason": "\(reason)"])
                channel.close(promise: nil)
            case .closed:
                channel.close(promise: nil)
            }
        }
    }

    /// RFC 6120 §5.4.3.3: TLS in front of everything, a fresh parser, a new stream. The
    /// certificate must name the account's domain (§13.7.2.1), which is also the SNI name.
    private func startTLS(on channel: any Channel) {
        guard let sslContext else { return abandon("TLS is not configured", retry: .longest) }
        do {
            let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: configuration.settings.jid.domain)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            return abandon("cannot start TLS: \(error)", retry: .longest)
        }
        parser?.parser.reset()
        perform(state.tlsEstablished(), on: channel)
    }

    private func abandon(_ reason: String, retry: BackoffRetry) {
        guard let channel else { return }
        logger.warning("xmpp stream abandoned", metadata: ["reason": "\(reason)"])
        failure = retry
        state.abandon()
        channel.close(promise: nil)
    }

    private func write(_ element: XMLElement, to channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: 256)
        buffer.writeXML(element, inheritedNamespace: XMPPNamespace.client)
        lastWrite = .now()
        channel.writeAndFlush(buffer, promise: nil)
    }

    private func keepAlive(interval: TimeAmount) {
        guard let channel, state.jid != nil, NIODeadline.now() - lastWrite >= interval else { return }
        var space = channel.allocator.buffer(capacity: 1)
        space.writeInteger(UInt8(ascii: " "))
        lastWrite = .now()
        channel.writeAndFlush(space, promise: nil)
    }

    private func emit(_ event: XMPPClientEvent) {
        guard case .dropped = continuation.yield(event) else { return }
        droppedEvents += 1
        if SparseLog.isLogged(droppedEvents) {
            logger.warning("xmpp client events dropped: the user is not keeping up", metadata: ["dropped": "\(droppedEvents)"])
        }
    }

    // MARK: TLS

    static func makeSSLContext(_ verification: XMPPClientTLS) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch verification {
        case .system: break
        case .caFile(let path): tls.trustRoots = .file(path)
        case .none: tls.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: tls)
    }
}
