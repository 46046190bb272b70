import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

extension HTTPListener {
    /// The Hummingbird application serving every mount: one router, each plugin's routes
    /// in the group of its prefix, the merged limits (`HTTPLimits.merged`), over TLS when the
    /// mounts give it (HummingbirdTLS), HTTP/1.1 with the WebSocket endpoints of the mounts
    /// that have one (`HTTPServerChannel`). It can be made once; mounting afterwards fails. A
    /// ServiceLifecycle `Service`, ending on graceful shutdown.
    public func application() throws -> some ApplicationProtocol {
        let mounts = try start()
        let router = Router(context: HTTPRequestContext.self)
        var endpoints: [String: WebSocketEndpoint] = [:]
        for mount in mounts {
            let group = router.group(RouterPath(mount.prefix.description))
            if let endpoint = mount.webSocket {
                endpoints[mount.prefix.description] = endpoint
                let path = mount.prefix.description
                group.get("") { request, _ in Self.refusal(request, endpoint: endpoint, path: path) }
            }
            mount.routes(group)
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
        let webSocketEndpoints = endpoints
        let http1 =
            webSocketEndpoints.isEmpty
            ? HTTPServerBuilder.http1(configuration: http1Configuration)
            : HTTPServerBuilder { responder in
                HTTPServerChannel(responder: responder, configuration: http1Configuration, endpoints: webSocketEndpoints)
            }
        let webSocketSummary = mounts.compactMap { mount in mount.webSocket.map { "\(mount.prefix) \($0.limits.summary)" } }
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
                        "limits": "\(limits.summary)\(webSocketSummary.map { "; " + $0 }.joined())", "scheme": "\(tls == nil ? "http" : "https")",
                    ])
                self.serverBound(port: port, mounts: mounts)
            },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
    }

    /// What a request to a WebSocket endpoint's path gets when it was not upgraded: the
    /// refusal's status and line (426 for a plain request; a handshake refused as the
    /// connection's first request is answered by `HTTPServerChannel`). A handshake comes
    /// here as a later request on a kept-alive connection, which NIO does not upgrade: one
    /// the endpoint would accept is sent to the same path on a new connection (RFC 9110
    /// §15.4.8), one it refuses gets the refusal; the connection closes after either.
    static func refusal(_ request: Request, endpoint: WebSocketEndpoint, path: String) -> Response {
        switch endpoint.policy.check(request.headers, authority: request.head.authority) {
        case .success:
            // The endpoint's own path (a trailing slash dropped), so the new connection's
            // first request is the handshake NIO upgrades.
            return Response(status: .temporaryRedirect, headers: [.location: path, .connection: "close"])
        case .failure(let refusal):
            let (head, body) = endpoint.response(to: refusal)
            return Response(status: head.status, headers: head.headerFields, body: ResponseBody(byteBuffer: body))
        }
    }
}
