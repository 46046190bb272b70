import NIOCore
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// The running `xmpp-c2s` listener: accepts TCP connections and gives each a pipeline
/// (activity → XML stream decoder → connection). On graceful shutdown the model closes
/// every session (each client gets `system-shutdown`), then the listener closes.
typealias C2SService = XMPPListenerService<C2SConnection>

extension XMPPListenerService where Connection == C2SConnection {
    convenience init(shared: C2SShared, eventLoopGroup: any EventLoopGroup) {
        let settings = shared.settings
        self.init(
            listener: XMPPListener(
                name: "xmpp-c2s", host: settings.host, port: settings.port, backlog: 1024, maxMessagesPerRead: 4,
                sweepInterval: .milliseconds(500), registry: shared.connections, logger: shared.logger),
            eventLoopGroup: eventLoopGroup,
            metadata: ["domain": "\(shared.chat.domain)", "tls": "\(shared.tls != nil)"],
            background: { await shared.memory.run(every: .seconds(2)) },
            initializer: { channel in try Self.initialize(channel, shared: shared) },
            shutdown: { connections in
                // Sessions were told by the chat service; streams still negotiating are told here.
                for connection in connections {
                    await connection.closeStream(error: StreamError(.systemShutdown, text: "the server is shutting down"))
                }
            })
    }

    private static func initialize(_ channel: any Channel, shared: C2SShared) throws {
        var limits = XMLLimits.default
        limits.maxStanzaBytes = shared.settings.maxStanzaBytes
        let parser = ConnectionParser(limits: limits)
        let connection = C2SConnection(channel: channel, shared: shared, parser: parser)
        shared.connections.track(connection)
        var decoder = parser.makeDecoder()
        // Whitespace keepalives from the client yield no event but count as activity.
        decoder.onBytes = { [weak connection] in connection?.assumeIsolated { $0.sawBytes() } }
        try XMPPStreamChannelHandler.install(on: channel, decoder: decoder, connection: connection)
    }
}
