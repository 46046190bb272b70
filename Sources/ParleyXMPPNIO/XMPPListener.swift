import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The TCP listener of an XMPP service: binds a `ServerBootstrap` with the common options,
/// logs `"<name> listening"` with the bound port (tests read that line), sweeps the
/// connections on every event loop, and on graceful shutdown logs `"<name> stopping"` and
/// closes the listening socket. Closing the open streams is left to the caller.
public struct XMPPListener<Connection: XMPPStreamConnection>: Sendable {
    /// The plugin name, the first word of the log lines (`xmpp-c2s`).
    public var name: String
    public var host: String
    public var port: Int
    public var backlog: Int32
    public var maxMessagesPerRead: UInt
    /// How often each loop's connections are ticked.
    public var sweepInterval: TimeAmount
    public var registry: ConnectionRegistry<Connection>
    public var logger: Logger

    public init(
        name: String, host: String, port: Int, backlog: Int32, maxMessagesPerRead: UInt, sweepInterval: TimeAmount,
        registry: ConnectionRegistry<Connection>, logger: Logger
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.backlog = backlog
        self.maxMessagesPerRead = maxMessagesPerRead
        self.sweepInterval = sweepInterval
        self.registry = registry
        self.logger = logger
    }

    /// Binds and returns the server channel and the port it is bound to (port 0 picks one).
    public func bind(
        on group: any EventLoopGroup, initializer: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> (channel: any Channel, port: Int) {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: maxMessagesPerRead)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try initializer(channel) }
            }
            .bind(host: host, port: port).get()
        return (server, server.localAddress?.port ?? port)
    }

    /// Listens until graceful shutdown: `bound` gets the port before the "listening" line,
    /// which carries `metadata` besides the plugin, host and port.
    public func serve(
        on group: any EventLoopGroup, metadata: Logger.Metadata, bound: (Int) -> Void,
        initializer: @escaping @Sendable (any Channel) throws -> Void
    ) async throws {
        let (server, port) = try await bind(on: group, initializer: initializer)
        bound(port)
        var all = metadata
        all["plugin"] = "\(name)"
        all["host"] = "\(host)"
        all["port"] = "\(port)"
        logger.notice("\(name) listening", metadata: all)
        let sweepers = EventLoopSweeper.start(on: group, interval: sweepInterval, registry: registry)
        defer { for sweeper in sweepers { sweeper.stop() } }
        try? await gracefulShutdown()
        logger.info("\(name) stopping", metadata: ["connections": "\(registry.open.count)"])
        try? await server.close()
    }
}
