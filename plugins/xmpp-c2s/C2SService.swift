import NIOCore
import NIOSSL
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// The running `xmpp-c2s` listener, on the server runtime: accepts TCP connections and
/// gives each a pipeline (activity → XML stream decoder → connection). On graceful shutdown
/// the model closes every session (each client gets `system-shutdown`), then the listener
/// closes.
typealias C2SService = ServerListener<C2SConnection>

extension ServerListener where Connection == C2SConnection {
    convenience init(shared: C2SShared, eventLoopGroup: any EventLoopGroup) {
        let settings = shared.settings
        var options = ListenerOptions()
        options.backlog = 1024
        options.maxMessagesPerRead = 4
        options.sweepInterval = .milliseconds(500)
        var endpoints = [
            ListenerEndpoint(host: settings.host, port: settings.port) { channel in
                try Self.initialize(channel, shared: shared)
            }
        ]
        // XEP-0368: TLS from the first byte, with the certificate STARTTLS offers.
        if settings.directTLSPort >= 0, let tls = shared.tls {
            endpoints.append(
                ListenerEndpoint(label: "direct-tls-port", host: settings.host, port: settings.directTLSPort) { channel in
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.current))
                    try Self.initialize(channel, shared: shared, directTLS: true)
                })
        }
        self.init(
            name: "xmpp-c2s",
            endpoints: endpoints,
            options: options, registry: shared.connections, eventLoopGroup: eventLoopGroup, logger: shared.logger,
            metadata: ["domain": "\(shared.chat.domain)", "tls": "\(shared.tls != nil)"],
            reload: { shared.reloadTLS() },
            shutdown: { connections in
                // Sessions were told by the chat service; streams still negotiating are told here.
                for connection in connections {
                    await connection.closeStream(error: StreamError(.systemShutdown, text: "the server is shutting down"))
                }
            })
    }

    private static func initialize(_ channel: any Channel, shared: C2SShared, directTLS: Bool = false) throws {
        let parser = ConnectionParser(limits: shared.settings.xmlLimits)
        let connection = C2SConnection(channel: channel, shared: shared, parser: parser, directTLS: directTLS)
        shared.connections.track(connection)
        var decoder = parser.makeDecoder()
        // Whitespace keepalives from the client yield no event but count as activity.
        decoder.onBytes = { [weak connection] in connection?.assumeIsolated { $0.sawBytes() } }
        try XMPPStreamChannelHandler.install(on: channel, decoder: decoder, connection: connection)
    }
}
