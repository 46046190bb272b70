import Logging
import NIOCore
import NIOPosix
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import ServiceLifecycle
import Synchronization

/// The running `xmpp-c2s` listener: accepts TCP connections and gives each a pipeline
/// (activity → XML stream decoder → connection). On graceful shutdown the model closes
/// every session (each client gets `system-shutdown`), then the listener closes.
final class C2SService: Service, Sendable {
    let shared: C2SShared
    let eventLoopGroup: any EventLoopGroup
    /// The bound port once listening (tests bind port 0).
    let listeningPort = Mutex<Int?>(nil)

    init(shared: C2SShared, eventLoopGroup: any EventLoopGroup) {
        self.shared = shared
        self.eventLoopGroup = eventLoopGroup
    }

    func run() async throws {
        let settings = shared.settings
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { [shared] channel in
                channel.eventLoop.makeCompletedFuture { try Self.initialize(channel, shared: shared) }
            }
            .bind(host: settings.host, port: settings.port).get()
        let port = server.localAddress?.port ?? settings.port
        listeningPort.withLock { $0 = port }
        shared.logger.notice(
            "xmpp-c2s listening",
            metadata: [
                "plugin": "xmpp-c2s", "host": "\(settings.host)", "port": "\(port)", "domain": "\(shared.chat.domain)",
                "tls": "\(shared.tls != nil)",
            ])
        let memory = Task.detached { [shared] in await shared.memory.run(every: .seconds(2)) }
        defer { memory.cancel() }
        let sweepers = eventLoopGroup.makeIterator().map { ConnectionSweeper(loop: $0, shared: shared) }
        defer { for sweeper in sweepers { sweeper.stop() } }
        try? await gracefulShutdown()
        shared.logger.info("xmpp-c2s stopping", metadata: ["connections": "\(shared.openConnections.count)"])
        try? await server.close()
        // Sessions were told by the chat service; streams still negotiating are told here.
        for connection in shared.openConnections {
            await connection.closeStream(error: StreamError(.systemShutdown, text: "the server is shutting down"))
        }
    }

    private static func initialize(_ channel: any Channel, shared: C2SShared) throws {
        var limits = XMLLimits.default
        limits.maxStanzaBytes = shared.settings.maxStanzaBytes
        let parser = ConnectionParser(limits: limits)
        let connection = C2SConnection(channel: channel, shared: shared, parser: parser)
        shared.track(connection)
        let pipeline = channel.pipeline.syncOperations
        var decoder = parser.makeDecoder()
        // Whitespace keepalives from the client yield no event but count as activity.
        decoder.onBytes = { [weak connection] in connection?.assumeIsolated { $0.sawBytes() } }
        try pipeline.addHandler(ByteToMessageHandler(decoder))
        try pipeline.addHandler(C2SChannelHandler(connection: connection))
    }
}
