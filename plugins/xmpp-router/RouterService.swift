import Logging
import NIOCore
import NIOPosix
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import ServiceLifecycle
import Synchronization

/// The running `xmpp-router` listener: accepts TCP connections from external components
/// and gives each a pipeline (XML stream decoder → connection). On graceful shutdown the
/// listener closes and every component gets `system-shutdown`.
final class RouterService: Service, Sendable {
    let shared: RouterShared
    let eventLoopGroup: any EventLoopGroup
    /// The bound port once listening (tests bind port 0).
    let listeningPort = Mutex<Int?>(nil)

    init(shared: RouterShared, eventLoopGroup: any EventLoopGroup) {
        self.shared = shared
        self.eventLoopGroup = eventLoopGroup
    }

    func run() async throws {
        let settings = shared.settings
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 8)
            .childChannelInitializer { [shared] channel in
                channel.eventLoop.makeCompletedFuture { try Self.initialize(channel, shared: shared) }
            }
            .bind(host: settings.host, port: settings.port).get()
        let port = server.localAddress?.port ?? settings.port
        listeningPort.withLock { $0 = port }
        shared.logger.notice(
            "xmpp-router listening",
            metadata: [
                "plugin": "xmpp-router", "host": "\(settings.host)", "port": "\(port)",
                "components": "\(settings.secrets.domains.joined(separator: " "))",
            ])
        let sweepers = eventLoopGroup.makeIterator().map { RouterSweeper(loop: $0, shared: shared) }
        defer { for sweeper in sweepers { sweeper.stop() } }
        try? await gracefulShutdown()
        let connections = shared.openConnections
        shared.logger.info("xmpp-router stopping", metadata: ["connections": "\(connections.count)"])
        try? await server.close()
        for connection in connections {
            await connection.closeStream(error: StreamError(.systemShutdown, text: "the router is shutting down"))
        }
        // Let the stream errors leave before the event loops stop (at most the close delay).
        for connection in connections {
            try? await connection.channel.closeFuture.get()
        }
    }

    private static func initialize(_ channel: any Channel, shared: RouterShared) throws {
        var limits = XMLLimits.default
        limits.maxStanzaBytes = shared.settings.maxStanzaBytes
        limits.maxTextBytes = shared.settings.maxStanzaBytes
        let parser = ConnectionParser(limits: limits)
        let connection = ComponentConnection(channel: channel, shared: shared)
        shared.track(connection)
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(ByteToMessageHandler(parser.makeDecoder()))
        try pipeline.addHandler(RouterChannelHandler(connection: connection))
    }
}
