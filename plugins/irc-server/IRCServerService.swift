import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ParleyIRCNIO
import ServiceLifecycle
import Synchronization

/// The running irc-server: a plain listener (6667) and a TLS one (6697, RFC 7194), each
/// connection getting [TLS →] line framer → `IRCServerHandler` → `IRCConnection`. On
/// graceful shutdown every client gets `ERROR :Server shutting down`.
final class IRCServerService: Service, Sendable {
    let shared: IRCServerShared
    let eventLoopGroup: any EventLoopGroup
    /// The bound ports once listening (tests bind port 0).
    let listeningPort = Mutex<Int?>(nil)
    let tlsListeningPort = Mutex<Int?>(nil)

    init(shared: IRCServerShared, eventLoopGroup: any EventLoopGroup) {
        self.shared = shared
        self.eventLoopGroup = eventLoopGroup
    }

    func run() async throws {
        let settings = shared.settings
        let plain = try await bind(port: settings.port, tls: nil)
        var servers = [plain]
        var metadata: Logger.Metadata = [
            "plugin": "irc-server", "host": "\(settings.host)", "port": "\(plain.localAddress?.port ?? settings.port)",
            "server-name": "\(shared.serverName)",
        ]
        listeningPort.withLock { $0 = plain.localAddress?.port }
        if let tlsPort = settings.tlsPort, let context = shared.tls {
            do {
                let secure = try await bind(port: tlsPort, tls: context)
                servers.append(secure)
                tlsListeningPort.withLock { $0 = secure.localAddress?.port }
                metadata["tls-port"] = "\(secure.localAddress?.port ?? tlsPort)"
            } catch {
                try? await plain.close()
                throw error
            }
        }
        shared.logger.notice("irc-server listening", metadata: metadata)
        let interval = Self.sweepInterval(settings)
        let sweeper = IRCSweeper(group: eventLoopGroup, interval: interval, registry: shared.connections)
        defer { sweeper.stop() }
        let trimmer = Task { [memory = shared.connections.memory] in await memory.run(every: .seconds(2)) }
        defer { trimmer.cancel() }
        try? await gracefulShutdown()
        shared.logger.info("irc-server stopping", metadata: ["connections": "\(shared.connections.count)"])
        shared.shuttingDown.store(true, ordering: .sequentiallyConsistent)
        for server in servers { try? await server.close() }
        for connection in shared.connections.open {
            let loop = connection.channel.eventLoop
            try? await loop.submit { connection.assumeIsolated { $0.close("Server shutting down") } }.get()
        }
    }

    /// Ticks often enough for the shortest timeout to be noticed within a quarter of it.
    static func sweepInterval(_ settings: IRCServerSettings) -> TimeAmount {
        let shortest = min(settings.pingInterval, settings.pingTimeout, settings.registrationTimeout)
        return .fractionalSeconds(min(1.0, max(0.05, shortest / 4)))
    }

    private func bind(port: Int, tls: NIOSSLContext?) async throws -> any Channel {
        try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            // IRC lines are short: start reads small (most are one or two lines) and let NIO
            // grow the buffer for a client that sends more (it doubles after every full
            // read). NIO keeps each channel's last receive buffer for the next read, so its
            // size is part of what an idle client costs (docs/benchmarks-irc.md): 64 bytes
            // hold a NICK and USER, and a registration burst that does not fit grows it.
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 64, maximum: 65536))
            .childChannelInitializer { [shared] channel in
                channel.eventLoop.makeCompletedFuture { try Self.initialize(channel, shared: shared, tls: tls) }
            }
            .bind(host: shared.settings.host, port: port).get()
    }

    private static func initialize(_ channel: any Channel, shared: IRCServerShared, tls: NIOSSLContext?) throws {
        let connection = IRCConnection(channel: channel, shared: shared, secure: tls != nil)
        let pipeline = channel.pipeline.syncOperations
        if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
        try pipeline.addHandler(IRCServerHandler(connection: connection))
    }
}
