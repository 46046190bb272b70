import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ParleyHTTP

/// `/upload/<slot>/<name>` on the shared HTTP listener (XEP-0363 §6): the PUT of a slot's
/// file, and its GET (and HEAD) by anyone holding the URL until it expires. Files are
/// served with the type the uploader named, `nosniff`, a sandboxing CSP and, for anything
/// but images, audio and video, as attachments, so an uploaded page cannot run as the
/// server's.
enum UploadRoute {
    static let path = "/upload"

    static func mount(on listener: HTTPListener, uploads: HTTPUploads, tls: HTTPTLS?, publicBase: URL?, domain: String, logger: Logger) throws {
        // The limits of the other web endpoints (the listener merges them).
        let limits = HTTPLimits(maximumConnections: 4096, idleTimeout: 30)
        try listener.mount(
            HTTPMount(
                contributor: "xmpp-c2s", prefix: path, limits: limits, tls: tls,
                routes: { group in
                    group.put(":slot/:name") { request, context -> Response in
                        guard let (id, name) = names(context) else { return Response(status: .notFound) }
                        let length = request.headers[.contentLength].flatMap(Int.init)
                        switch uploads.takeSlot(id, name: name, length: length, contentType: request.headers[.contentType]) {
                        case .failure(let refusal): return Response(status: status(refusal), headers: cors)
                        case .success(let slot):
                            switch await uploads.store(request.body, id: id, slot: slot) {
                            case .success: return Response(status: .created, headers: cors)
                            case .failure(let refusal): return Response(status: status(refusal), headers: cors)
                            }
                        }
                    }
                    group.get(":slot/:name") { _, context -> Response in serve(context, uploads: uploads, body: true) }
                    group.head(":slot/:name") { _, context -> Response in serve(context, uploads: uploads, body: false) }
                    // Browser clients upload across origins (the Fetch standard's CORS preflight).
                    group.on(":slot/:name", method: .options) { _, _ -> Response in
                        var headers = cors
                        headers[.accessControlAllowMethods] = "PUT, GET, HEAD, OPTIONS"
                        headers[.accessControlAllowHeaders] = "Content-Type"
                        headers[.accessControlMaxAge] = "86400"
                        return Response(status: .noContent, headers: headers)
                    }
                },
                bound: { port in
                    let scheme = tls == nil ? "http" : "https"
                    let base = publicBase.map { $0.absoluteString.trimmingSuffix("/") + path } ?? "\(scheme)://\(HTTPAddress(host: domain, port: port))\(path)"
                    uploads.listenerBound(base: base, secure: tls != nil || publicBase?.scheme == "https")
                    logger.notice("xmpp-c2s uploads", metadata: ["url": "\(base)", "max-file-size": "\(uploads.policy.maximumFileBytes)"])
                }))
    }

    private static var cors: HTTPFields {
        var headers = HTTPFields()
        headers[.accessControlAllowOrigin] = "*"
        return headers
    }

    private static func names(_ context: some RequestContext) -> (String, String)? {
        guard let id = context.parameters.get("slot"), let raw = context.parameters.get("name"),
            let name = raw.removingPercentEncoding, UploadFileName.problem(name) == nil
        else { return nil }
        return (id, name)
    }

    private static func status(_ refusal: HTTPUploads.HTTPRefusal) -> HTTPResponse.Status {
        switch refusal {
        case .notFound: .notFound
        case .conflict: .conflict
        case .lengthMismatch: .badRequest
        case .typeMismatch: .badRequest
        case .tooLarge: .contentTooLarge
        case .failed: .internalServerError
        }
    }

    private static func serve(_ context: some RequestContext, uploads: HTTPUploads, body: Bool) -> Response {
        guard let (id, name) = names(context), let (stored, file) = uploads.file(id, name: name),
            Date().timeIntervalSince(stored.created) <= uploads.policy.lifetime, let handle = FileHandle(forReadingAtPath: file)
        else { return Response(status: .notFound) }
        var headers = cors
        headers[.contentType] = stored.contentType
        headers[.contentLength] = "\(stored.size)"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        headers[.cacheControl] = "public, max-age=\(Int(uploads.policy.lifetime)), immutable"
        let inline = ["image/", "audio/", "video/"].contains { stored.contentType.hasPrefix($0) } && stored.contentType != "image/svg+xml"
        if !inline { headers[.contentDisposition] = "attachment" }
        guard body else {
            try? handle.close()
            return Response(status: .ok, headers: headers, body: ResponseBody())
        }
        // Streamed in 64 KiB reads: a large file costs no more memory than a small one.
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(contentLength: stored.size) { writer in
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
