import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The HTTP side of web-status (Hummingbird 2): `GET /status/<id>` is the HTML page,
/// `GET /status/<id>.json` the JSON object; an unknown or malformed id is 404. Nothing
/// else is served. The server is a ServiceLifecycle `Service` (`run()`), ending on
/// graceful shutdown.
public enum StatusHTTPServer {
    /// Request header limits: a status page needs none of the 80 KiB Hummingbird allows.
    static let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 8 << 10, maxHeaderListSize: 16 << 10, maxHeaderFieldCount: 64)

    /// The application serving `board`; it logs "web-status listening" with its port and
    /// records the port in `pages`.
    public static func application(
        board: StatusBoard, settings: WebStatusSettings, pages: PageAddress, eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/status/:id") { _, context -> Response in
            guard let requested = context.parameters.get("id") else { return notFound }
            return page(requested, board: board)
        }
        let host = settings.httpHost
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    idleTimeout: .seconds(Int64(settings.httpIdleTimeout.rounded(.up))),
                    httpDecoderConfiguration: decoder)),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: settings.httpPort), serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(settings.maximumHTTPConnections)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.httpPort
                pages.serverBound(port: port)
                logger.notice(
                    "web-status listening",
                    metadata: [
                        "plugin": "web-status", "host": "\(host)", "port": "\(port)", "url": "\(pages.base)/status/",
                    ])
            },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
    }

    /// The response for the path segment after `/status/`.
    static func page(_ requested: String, board: StatusBoard) -> Response {
        let isJSON = requested.hasSuffix(".json")
        let id = isJSON ? String(requested.dropLast(".json".count)) : requested
        guard StatusRegistration.isValidID(id), let view = board.view(forID: id) else { return notFound }
        var headers: HTTPFields = [.cacheControl: "no-store"]
        if let name = contentTypeOptions { headers[name] = "nosniff" }
        if isJSON {
            headers[.contentType] = "application/json"
            // Anyone holding the URL may read it; a page script on another site too.
            headers[.accessControlAllowOrigin] = "*"
            let body = ByteBuffer(bytes: StatusPage.json(view))
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
        headers[.contentType] = "text/html; charset=utf-8"
        // Inline style only; no script, image or frame; embeddable anywhere (that is its use).
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'"
        if let name = referrerPolicy { headers[name] = "no-referrer" }
        let body = ByteBuffer(string: StatusPage.html(view))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Header names HTTPTypes has no constant for (valid tokens: never nil).
    static let contentTypeOptions = HTTPFields.Element.Name("X-Content-Type-Options")
    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")

    static var notFound: Response {
        Response(
            status: .notFound, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: "not found\n")))
    }
}
