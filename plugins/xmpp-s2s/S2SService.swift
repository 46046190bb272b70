import NIOCore
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// The running `xmpp-s2s` listener, on the server runtime: each accepted connection gets a
/// pipeline (XML stream decoder → `S2SInboundConnection`). On graceful shutdown outgoing
/// streams end with `system-shutdown`, then incoming ones, and the remote route is detached.
typealias S2SService = ServerListener<S2SInboundConnection>

extension ServerListener where Connection == S2SInboundConnection {
    convenience init(shared: S2SShared) {
        var options = ListenerOptions()
        options.backlog = 256
        options.maxMessagesPerRead = 8
        options.sweepInterval = .milliseconds(500)
        self.init(
            name: "xmpp-s2s",
            endpoints: Self.endpoints(shared),
            options: options, registry: shared.connections, eventLoopGroup: shared.eventLoopGroup, logger: shared.logger,
            metadata: ["domain": "\(shared.chat.domain)"],
            stopping: {
                for outbound in shared.allOutbound() { outbound.shutdown() }
            },
            reload: { shared.reloadTLS() },
            shutdown: { connections in
                for connection in connections {
                    await connection.closeStream(error: StreamError(.systemShutdown, text: "the server is shutting down"))
                }
                for connection in connections {
                    try? await connection.channel.closeFuture.get()
                }
                shared.detach()
                try? await shared.resolver.threadPool.shutdownGracefully()
            })
    }

    /// Port 5269 (STARTTLS) and, when set, the direct TLS port (XEP-0368).
    private static func endpoints(_ shared: S2SShared) -> [ListenerEndpoint] {
        func accept(directTLS: Bool) -> @Sendable (any Channel) throws -> Void {
            { channel in
                let parser = ConnectionParser(limits: shared.xmlLimits)
                let connection = S2SInboundConnection(channel: channel, parser: parser, shared: shared, directTLS: directTLS)
                guard shared.connections.track(connection, limit: shared.settings.maxIncomingStreams) else {
                    channel.close(promise: nil)
                    return
                }
                if directTLS {
                    try channel.pipeline.syncOperations.addHandler(connection.tlsHandler(context: shared.directTLSServer))
                }
                try XMPPStreamChannelHandler.install(on: channel, decoder: parser.makeDecoder(), connection: connection)
            }
        }
        var endpoints = [ListenerEndpoint(host: shared.settings.host, port: shared.settings.port, initializer: accept(directTLS: false))]
        if shared.settings.directTLSPort >= 0 {
            endpoints.append(
                ListenerEndpoint(
                    label: "direct-tls-port", host: shared.settings.host, port: shared.settings.directTLSPort,
                    initializer: accept(directTLS: true)))
        }
        return endpoints
    }
}
