import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ParleyHTTP

/// The HTTP side of web-status (Hummingbird 2): `GET /status/<id>` is the HTML page,
/// `GET /status/<id>.json` the JSON object; an unknown or malformed id is 404. Nothing
/// else is served. In `parleyd` the routes are mounted on the process's shared listener
/// at `http-host`/`http-port` (`mount(on:…)`), next to other plugins' routes; the
/// `application(…)` form runs them on a listener of their own.
public enum StatusHTTPServer {
    /// The path prefix web-status claims on its listener.
    public static let prefix = "/status"

    /// Limits from the settings; request headers are bounded at 8 KiB each, 16 KiB and 64
    /// fields in all: a status page needs none of the 80 KiB Hummingbird allows.
    static func limits(_ settings: WebStatusSettings) -> HTTPLimits {
        HTTPLimits(maximumConnections: settings.maximumHTTPConnections, idleTimeout: settings.httpIdleTimeout)
    }

    /// Mounts the pages of `board` at `/status` on `listener`; once it has bound, logs
    /// "web-status listening" with its port and records the port in `pages`. Fails when
    /// another plugin serves `/status` there.
    public static func mount(
        on listener: HTTPListener, board: StatusBoard, settings: WebStatusSettings, pages: PageAddress, logger: Logger
    ) throws {
        let host = settings.httpHost
        try listener.mount(
            HTTPMount(
                contributor: "web-status", prefix: prefix, limits: limits(settings),
                routes: { group in
                    group.get(":id") { _, context -> Response in
                        guard let requested = context.parameters.get("id") else { return notFound }
                        return page(requested, board: board)
                    }
                },
                bound: { port in
                    pages.serverBound(port: port)
                    logger.notice(
                        "web-status listening",
                        metadata: [
                            "plugin": "web-status", "host": "\(host)", "port": "\(port)", "url": "\(pages.base)/status/",
                        ])
                }))
    }

    /// The application serving `board` alone on `http-host`/`http-port`, as a
    /// ServiceLifecycle `Service` ending on graceful shutdown.
    public static func application(
        board: StatusBoard, settings: WebStatusSettings, pages: PageAddress, eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) -> some ApplicationProtocol {
        let listener = HTTPListener(
            address: HTTPAddress(host: settings.httpHost, port: settings.httpPort), eventLoopGroup: eventLoopGroup,
            logger: logger)
        do {
            try mount(on: listener, board: board, settings: settings, pages: pages, logger: logger)
            return try listener.application()
        } catch {
            // A new listener with one literal prefix: neither a clash nor a second start can happen.
            preconditionFailure("web-status on a listener of its own: \(error)")
        }
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
