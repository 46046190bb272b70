import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The one server runtime every protocol listener runs on, as a `Service` in the launcher's
/// group: binds its endpoints (a plain and a TLS port, say) with common socket options,
/// logs `"<name> listening"` with each bound port (tests and operators read that line),
/// sweeps its `ConnectionRegistry` with one timer per event loop, and on graceful shutdown
/// logs `"<name> stopping"`, runs `stopping`, closes the listening sockets and hands the
/// connections still open to `shutdown`. `reload` (SIGHUP, through the launcher) runs the
/// plugin's reload step, if it has one. A protocol brings only its framer, handler and
/// connection actor.
public final class ServerListener<Connection: LoopBoundConnection>: Service, Sendable {
    /// The plugin name, the first word of the log lines (`irc-server`).
    public let name: String
    public let endpoints: [ListenerEndpoint]
    public let options: ListenerOptions
    public let registry: ConnectionRegistry<Connection>
    public let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let metadata: Logger.Metadata
    private let stopping: @Sendable () async -> Void
    private let shutdown: @Sendable ([Connection]) async -> Void
    private let reloading: (@Sendable () async -> Void)?
    private let bound = Mutex<[String: Int]>([:])

    /// `metadata` goes on the "listening" line besides the plugin, host and ports;
    /// `stopping` runs when shutdown begins, before the sockets close; `shutdown` gets the
    /// connections still open after that; `reload` re-reads what can change live.
    public init(
        name: String, endpoints: [ListenerEndpoint], options: ListenerOptions, registry: ConnectionRegistry<Connection>,
        eventLoopGroup: any EventLoopGroup, logger: Logger, metadata: Logger.Metadata = [:],
        stopping: @escaping @Sendable () async -> Void = {},
        reload: (@Sendable () async -> Void)? = nil,
        shutdown: @escaping @Sendable ([Connection]) async -> Void
    ) {
        self.reloading = reload
        precondition(!endpoints.isEmpty, "a listener needs an endpoint")
        self.name = name
        self.endpoints = endpoints
        self.options = options
        self.registry = registry
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.metadata = metadata
        self.stopping = stopping
        self.shutdown = shutdown
    }

    /// The port bound for the endpoint labelled `label`, once listening (port 0 picks one).
    public func port(_ label: String = "port") -> Int? {
        bound.withLock { $0[label] }
    }

    /// Re-reads what can change while running (certificates, message files); nothing for a
    /// listener without a reload step.
    public func reload() async {
        await reloading?()
    }

    public func run() async throws {
        var servers: [any Channel] = []
        do {
            for endpoint in endpoints { servers.append(try await bind(endpoint)) }
        } catch {
            for server in servers { try? await server.close() }
            throw error
        }
        var all = metadata
        all["plugin"] = "\(name)"
        all["host"] = "\(endpoints[0].host)"
        bound.withLock { ports in
            for (endpoint, server) in zip(endpoints, servers) {
                let port = server.localAddress?.port ?? endpoint.port
                ports[endpoint.label] = port
                all[endpoint.label] = "\(port)"
            }
        }
        logger.notice("\(name) listening", metadata: all)
        let sweeper = LoopSweeper(group: eventLoopGroup, interval: options.sweepInterval, registry: registry)
        defer { sweeper.stop() }
        try? await gracefulShutdown()
        logger.info("\(name) stopping", metadata: ["connections": "\(registry.count)"])
        await stopping()
        for server in servers { try? await server.close() }
        await shutdown(registry.open)
    }

    private func bind(_ endpoint: ListenerEndpoint) async throws -> any Channel {
        var bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: options.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: options.maxMessagesPerRead)
        if let sizes = options.readBuffer {
            bootstrap = bootstrap.childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: sizes.minimum, initial: sizes.initial, maximum: sizes.maximum))
        }
        let initializer = endpoint.initializer
        return try await bootstrap
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try initializer(channel) }
            }
            .bind(host: endpoint.host, port: endpoint.port).get()
    }
}
