import Foundation
import Hummingbird
import Logging
import NIOCore
import ParleyHTTP

/// `/chat`: the browser chat page (an RFC 7395 client in plain JavaScript, same origin as
/// `/xmpp-websocket`) on the shared HTTP listener. `/` cannot redirect here: a mount's
/// prefix names a path (`HTTPPathPrefix`), and the root would claim every other plugin's.
enum ChatPageRoute {
    static let path = "/chat"

    /// Mounts the page's files under `/chat` (`/chat` and `/chat/` are the document), and
    /// `/chat/config.json`: the served domain and the rooms' domain, which the page needs to
    /// open its stream (RFC 7395 §3.4 `to`) and to name rooms.
    static func mount(
        on listener: HTTPListener, files: ChatPageFiles, tls: HTTPTLS?, domain: String, roomsDomain: String, logger: Logger
    ) throws {
        let document = configDocument(domain: domain, roomsDomain: roomsDomain)
        let config = ChatPageFiles.File(body: document, contentType: "application/json", etag: ChatPageFiles.etag(document))
        let limits = HTTPLimits(maximumConnections: 4096, idleTimeout: 30)
        let scheme = tls == nil ? "http" : "https"
        try listener.mount(
            HTTPMount(
                contributor: "xmpp-c2s", prefix: path, limits: limits, tls: tls, isHome: true,
                routes: { group in
                    group.get("config.json") { request, _ -> Response in
                        respond(config, name: "config.json", request: request)
                    }
                    group.head("config.json") { request, _ -> Response in
                        respond(config, name: "config.json", request: request, body: false)
                    }
                    for (route, name) in [("", "index.html"), ("index.html", "index.html"), ("chat.css", "chat.css"), ("chat.js", "chat.js")] {
                        group.get(RouterPath(route)) { request, _ -> Response in
                            respond(files.files[name], name: name, request: request)
                        }
                        // RFC 9110 §9.3.2: HEAD answers as GET would, without the content.
                        group.head(RouterPath(route)) { request, _ -> Response in
                            respond(files.files[name], name: name, request: request, body: false)
                        }
                    }
                },
                bound: { port in
                    logger.notice(
                        "xmpp-c2s chat page",
                        metadata: ["url": "\(scheme)://\(HTTPAddress(host: listener.address.host, port: port))\(path)", "bytes": "\(files.totalBytes)"])
                }))
    }

    /// `{"domain": …, "rooms": …}` (JSON escapes whatever the names hold).
    static func configDocument(domain: String, roomsDomain: String) -> [UInt8] {
        let object = ["domain": domain, "rooms": roomsDomain]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    /// The file, a 304 when the client's copy is current (RFC 9110 §13.1.2), or for HEAD
    /// (`body` false) the fields alone with the length a GET would send.
    private static func respond(_ file: ChatPageFiles.File?, name: String, request: Request, body: Bool = true) -> Response {
        guard let file else { return Response(status: .notFound) }
        var fields = ChatPageHeaders.fields(for: file, name: name, authority: request.head.authority)
        if ChatPageHeaders.notModified(ifNoneMatch: request.headers[.ifNoneMatch], etag: file.etag) {
            return Response(status: .notModified, headers: fields)
        }
        guard body else {
            fields[.contentLength] = "\(file.body.count)"
            return Response(status: .ok, headers: fields)
        }
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.body)))
    }
}
