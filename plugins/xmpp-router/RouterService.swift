import NIOCore
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// The running `xmpp-router` listener: accepts TCP connections from external components
/// and gives each a pipeline (XML stream decoder → connection). On graceful shutdown the
/// listener closes and every component gets `system-shutdown`.
typealias RouterService = XMPPListenerService<ComponentConnection>

extension XMPPListenerService where Connection == ComponentConnection {
    convenience init(shared: RouterShared, eventLoopGroup: any EventLoopGroup) {
        let settings = shared.settings
        self.init(
            listener: XMPPListener(
                name: "xmpp-router", host: settings.host, port: settings.port, backlog: 256, maxMessagesPerRead: 8,
                sweepInterval: .milliseconds(250), registry: shared.connections, logger: shared.logger),
            eventLoopGroup: eventLoopGroup,
            metadata: ["components": "\(settings.secrets.domains.joined(separator: " "))"],
            initializer: { channel in try Self.initialize(channel, shared: shared) },
            shutdown: { connections in
                for connection in connections {
                    await connection.closeStream(error: StreamError(.systemShutdown, text: "the router is shutting down"))
                }
                // Let the stream errors leave before the event loops stop (at most the close delay).
                for connection in connections {
                    try? await connection.channel.closeFuture.get()
                }
            })
    }

    private static func initialize(_ channel: any Channel, shared: RouterShared) throws {
        var limits = XMLLimits.default
        limits.maxStanzaBytes = shared.settings.maxStanzaBytes
        limits.maxTextBytes = shared.settings.maxStanzaBytes
        let parser = ConnectionParser(limits: limits)
        let connection = ComponentConnection(channel: channel, shared: shared)
        shared.connections.track(connection)
        try XMPPStreamChannelHandler.install(on: channel, decoder: parser.makeDecoder(), connection: connection)
    }
}
