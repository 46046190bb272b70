import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ParleyHTTP
import ParleyXML
import ParleyXMPP

/// `/xmpp-websocket` and XEP-0156's host-meta documents on the shared HTTP listener:
/// RFC 7395 XMPP over WebSocket, each client a `C2SConnection` with WebSocket framing, so
/// the negotiation (SASL, bind) and the session (roster, presence, messages, MUC, PEP…) are
/// the TCP listener's. This type only moves messages: text in → `WebSocketFrameDecoder` →
/// the connection; the connection writes its frames itself (`C2SFraming`).
enum C2SWebSocketRoute {
    static let path = "/xmpp-websocket"
    static let hostMetaPath = "/.well-known/host-meta"
    static let hostMetaJSONPath = "/.well-known/host-meta.json"

    /// Mounts the endpoint and the two discovery documents on `listener`, over `tls` when
    /// given (`wss:`).
    static func mount(on listener: HTTPListener, shared: C2SShared, tls: HTTPTLS? = nil) throws {
        let settings = shared.settings
        let webSocket = HTTPWebSocketLimits(
            maximumFrameSize: settings.maxStanzaBytes, pingInterval: settings.keepaliveInterval)
        let limits = HTTPLimits(maximumConnections: 4096, idleTimeout: 30)
        let logger = shared.logger
        let host = settings.httpHost
        let scheme = tls == nil ? "ws" : "wss"
        try listener.mount(
            HTTPMount(
                contributor: "xmpp-c2s", prefix: path, limits: limits, tls: tls, webSocket: webSocket,
                routes: { group in
                    group.ws(
                        "",
                        shouldUpgrade: { request, _ in
                            // RFC 7395 §3.1: a WebSocket with the `xmpp` subprotocol, or nothing.
                            if let refusal = WebSocketHandshake.refusal(
                                request.headers, authority: request.head.authority, allowedOrigins: settings.httpAllowedOrigins)
                            {
                                let message = WebSocketHandshake.message(for: refusal)
                                logger.info("WebSocket upgrade refused", metadata: ["reason": "\(message)"])
                                throw HTTPError(refusal.status, message: message)
                            }
                            return .upgrade(WebSocketHandshake.acceptedFields)
                        },
                        onUpgrade: { inbound, outbound, context in
                            try await serve(
                                inbound, outbound, channel: context.requestContext.channel, shared: shared, overTLS: tls != nil)
                        })
                },
                bound: { port in
                    logger.notice(
                        "xmpp-c2s WebSocket listening",
                        metadata: ["port": "\(port)", "url": "\(scheme)://\(HTTPAddress(host: host, port: port))\(path)"])
                }))
        for (prefix, json) in [(hostMetaPath, false), (hostMetaJSONPath, true)] {
            try listener.mount(
                HTTPMount(
                    contributor: "xmpp-c2s", prefix: prefix, limits: limits, tls: tls,
                    routes: { group in
                        group.get("") { request, context -> Response in
                            let fallback = HTTPAddress(
                                host: host, port: context.channel.localAddress?.port ?? 0
                            ).description
                            let authority = request.head.authority
                            let meta = settings.httpPublicURL.map { HostMeta.published(at: $0) } ?? HostMeta(
                                webSockets: [HostMeta.webSocketURL(authority: authority, fallback: fallback, secure: tls != nil)],
                                bosh: [HostMeta.boshURL(authority: authority, fallback: fallback, secure: tls != nil)])
                            return hostMetaResponse(json ? meta.json : meta.xrd, json: json)
                        }
                    }))
        }
    }

    /// XEP-0156 §3: readable from any origin (a web client on another host discovers it).
    private static func hostMetaResponse(_ body: String, json: Bool) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: json ? "application/json" : "application/xrd+xml; charset=utf-8",
                .accessControlAllowOrigin: "*",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// One client. Its data frames are read on the event loop by a
    /// `C2SWebSocketFrameHandler` put in the pipeline here; what HummingbirdWebSocket's
    /// stream still brings is what was read before it (each text message one element, RFC
    /// 7395 §3.2, §3.3.3; binary: 1003, RFC 6455 §7.4.1; over the stanza limit: 1009, the
    /// listener's frame bound and `maxSize` for fragments) and the handler's markers, which
    /// release what it holds. The stream's end is the connection's.
    private static func serve(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, channel: any Channel, shared: C2SShared,
        overTLS: Bool
    ) async throws {
        let connection = C2SConnection(webSocket: channel, shared: shared, overTLS: overTLS)
        shared.connections.track(connection)
        defer { connection.channelInactive() }
        var limits = XMLLimits.default
        limits.maxStanzaBytes = shared.settings.maxStanzaBytes
        let decoder = ParleyXMPP.WebSocketFrameDecoder(limits: limits)
        let loop = channel.eventLoop
        let frameLimits = limits
        let (frames, markers) = try await loop.submit {
            let frames = C2SWebSocketFrameHandler(connection: connection, limits: frameLimits)
            let pipeline = channel.pipeline.syncOperations
            let frameDecoder = try pipeline.handler(type: ByteToMessageHandler<NIOWebSocket.WebSocketFrameDecoder>.self)
            try pipeline.addHandler(frames, position: .after(frameDecoder))
            return (NIOLoopBound(frames, eventLoop: loop), frames.markers)
        }.get()
        for try await message in inbound.messages(maxSize: shared.settings.maxStanzaBytes) {
            switch message {
            case .text(let text):
                if let marker = markers.number(text) {
                    loop.execute { frames.value.release(marker) }
                    continue
                }
                switch decoder.decode(text.utf8) {
                case .success(let event): await connection.receiveWhenRoom(event)
                case .failure(let error): await connection.failed(error)
                }
            case .binary:
                await connection.log(.info, "binary WebSocket message: closing with 1003")
                try await outbound.close(.unacceptableData, reason: "XMPP over WebSocket sends text messages only")
                return
            }
        }
    }
}
