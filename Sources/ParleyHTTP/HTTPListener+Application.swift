import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging

extension HTTPListener {
    /// The Hummingbird application serving every mount: one router, each plugin's routes
    /// in the group of its prefix, the merged limits (`HTTPLimits.merged`), over TLS when the
    /// mounts give it (HummingbirdTLS), HTTP/1.1 with WebSocket upgrade when a mount asks for
    /// it (HummingbirdWebSocket, `HTTPWebSocketLimits.merged`). It can be made once; mounting
    /// afterwards fails. A ServiceLifecycle `Service`, ending on graceful shutdown.
    public func application() throws -> some ApplicationProtocol {
        let mounts = try start()
        let router = Router(context: HTTPRequestContext.self)
        for mount in mounts {
            mount.routes(router.group(RouterPath(mount.prefix.description)))
        }
        if let home = mounts.first(where: \.isHome) {
            // RFC 9110 §15.4.3: `/` is found at the home mount's path for now.
            let location = home.prefix.description
            router.get("/") { _, _ in Response(status: .found, headers: [.location: location]) }
        }
        let limits = HTTPLimits.merged(mounts.map(\.limits))
        if Set(mounts.map { $0.limits.summary }).count > 1 {
            logger.notice(
                "plugins on one HTTP listener asked for different limits; the merged limits apply",
                metadata: [
                    "rule": "the largest connection cap, the smallest idle timeout, the largest header limits",
                    "asked": "\(mounts.map { "\($0.contributor) \($0.prefix): \($0.limits.summary)" }.joined(separator: "; "))",
                    "applied": "\(limits.summary)",
                ])
        }
        let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
            maxHeaderFieldSize: limits.maximumHeaderFieldSize, maxHeaderListSize: limits.maximumHeaderListSize,
            maxHeaderFieldCount: limits.maximumHeaderFieldCount)
        let logger = self.logger
        let address = self.address
        let http1Configuration = HTTP1Channel.Configuration(
            idleTimeout: .seconds(Int64(limits.idleTimeout.rounded(.up))), httpDecoderConfiguration: decoder)
        let webSocket = HTTPWebSocketLimits.merged(mounts.compactMap(\.webSocket))
        let http1 =
            webSocket.map { webSocket in
                // The same router answers upgrades and plain requests: a refused upgrade gets
                // the route's own status (`shouldUpgrade` throwing an `HTTPError`).
                HTTPServerBuilder.http1WebSocketUpgrade(
                    webSocketRouter: router,
                    configuration: .init(http1: http1Configuration, ws: webSocket.configuration))
            } ?? HTTPServerBuilder.http1(configuration: http1Configuration)
        let tls = mounts.first?.tls
        let server = try tls.map { try HTTPServerBuilder.tls(http1, tlsConfiguration: $0.configuration) } ?? http1
        return Application(
            router: router,
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(limits.maximumConnections)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                logger.info(
                    "HTTP listener bound",
                    metadata: [
                        "port": "\(port)", "paths": "\(mounts.map { "\($0.prefix) (\($0.contributor))" }.joined(separator: " "))",
                        "limits": "\(limits.summary)\(webSocket.map { " " + $0.summary } ?? "")", "scheme": "\(tls == nil ? "http" : "https")",
                    ])
                self.serverBound(port: port, mounts: mounts)
            },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
    }
}
