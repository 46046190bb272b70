import Logging
import NIOCore
import NIOSSL
import ParleyServerNIO

/// The running irc-server, on the server runtime: a plain endpoint (6667) and a TLS one
/// (6697, RFC 7194), each connection getting [TLS →] line framer → `IRCServerHandler` →
/// `IRCConnection`. On graceful shutdown every client gets `ERROR :Server shutting down`.
typealias IRCServerService = ServerListener<IRCConnection>

extension ServerListener where Connection == IRCConnection {
    convenience init(shared: IRCServerShared, eventLoopGroup: any EventLoopGroup) {
        let settings = shared.settings
        var endpoints = [
            ListenerEndpoint(host: settings.host, port: settings.port) { channel in
                try Self.initialize(channel, shared: shared, tls: nil)
            }
        ]
        if let tlsPort = settings.tlsPort, let context = shared.tls {
            endpoints.append(
                ListenerEndpoint(label: "tls-port", host: settings.host, port: tlsPort) { channel in
                    try Self.initialize(channel, shared: shared, tls: context.current)
                })
        }
        var options = ListenerOptions()
        options.backlog = 1024
        options.maxMessagesPerRead = 4
        // IRC lines are short: start reads small (most are one or two lines) and let NIO
        // grow the buffer for a client that sends more (it doubles after every full read).
        // NIO keeps each channel's last receive buffer for the next read, so its size is
        // part of what an idle client costs (docs/benchmarks-irc.md): 64 bytes hold a NICK
        // and USER, and a registration burst that does not fit grows it.
        options.readBuffer = .init(minimum: 64, initial: 64, maximum: 65536)
        options.sweepInterval = Self.sweepInterval(settings)
        self.init(
            name: "irc-server", endpoints: endpoints, options: options, registry: shared.connections,
            eventLoopGroup: eventLoopGroup, logger: shared.logger, metadata: ["server-name": "\(shared.serverName)"],
            stopping: { shared.shuttingDown.store(true, ordering: .sequentiallyConsistent) },
            reload: { shared.reload() },
            shutdown: { connections in
                for connection in connections {
                    let loop = connection.channel.eventLoop
                    try? await loop.submit { connection.assumeIsolated { $0.close("Server shutting down") } }.get()
                }
            })
    }

    /// Ticks often enough for the shortest timeout to be noticed within a quarter of it.
    static func sweepInterval(_ settings: IRCServerSettings) -> TimeAmount {
        let shortest = min(settings.pingInterval, settings.pingTimeout, settings.registrationTimeout)
        return .fractionalSeconds(min(1.0, max(0.05, shortest / 4)))
    }

    private static func initialize(_ channel: any Channel, shared: IRCServerShared, tls: NIOSSLContext?) throws {
        let connection = IRCConnection(channel: channel, shared: shared, secure: tls != nil)
        let pipeline = channel.pipeline.syncOperations
        if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
        try pipeline.addHandler(IRCServerHandler(connection: connection, utf8Only: shared.settings.utf8Only))
    }
}
