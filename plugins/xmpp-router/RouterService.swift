import NIOCore
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// The running `xmpp-router` listener, on the server runtime: accepts TCP connections from
/// external components and gives each a pipeline (XML stream decoder → connection). On
/// graceful shutdown the listener closes and every component gets `system-shutdown`.
typealias RouterService = ServerListener<ComponentConnection>

extension ServerListener where Connection == ComponentConnection {
    convenience init(shared: RouterShared, eventLoopGroup: any EventLoopGroup) {
        let settings = shared.settings
        var options = ListenerOptions()
        options.backlog = 256
        options.maxMessagesPerRead = 8
        options.sweepInterval = .milliseconds(250)
        self.init(
            name: "xmpp-router",
            endpoints: [
                ListenerEndpoint(host: settings.host, port: settings.port) { channel in
                    try Self.initialize(channel, shared: shared)
                }
            ],
            options: options, registry: shared.connections, eventLoopGroup: eventLoopGroup, logger: shared.logger,
            metadata: ["components": "\(settings.secrets.domains.joined(separator: " "))"],
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
