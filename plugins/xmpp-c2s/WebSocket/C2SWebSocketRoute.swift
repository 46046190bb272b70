import Hummingbird
import Logging
import NIOCore
import NIOWebSocket
import ParleyHTTP
import ParleyXML
import ParleyXMPP

/// `/xmpp-websocket` and XEP-0156's host-meta documents on the shared HTTP listener:
/// RFC 7395 XMPP over WebSocket, each client a `C2SConnection` with WebSocket framing, so
/// the negotiation (SASL, bind) and the session (roster, presence, messages, MUC, PEP…) are
/// the TCP listener's. The listener answers the handshake and the frames on the event loop
/// (`WebSocketEndpoint.onEventLoop`); `C2SWebSocketFrameHandler` hands each message to the
/// connection, which writes its frames itself (`C2SFraming`).
enum C2SWebSocketRoute {
    static let path = "/xmpp-websocket"
    static let hostMetaPath = "/.well-known/host-meta"
    static let hostMetaJSONPath = "/.well-known/host-meta.json"

    /// Mounts the endpoint and the two discovery documents on `listener`, over `tls` when
    /// given (`wss:`).
    static func mount(on listener: HTTPListener, shared: C2SShared, tls: HTTPTLS? = nil) throws {
        let settings = shared.settings
        let xmlLimits = settings.xmlLimits
        // RFC 7395 §3.1: a WebSocket with the `xmpp` subprotocol, or nothing.
        let endpoint = WebSocketEndpoint(
            policy: WebSocketHandshake.policy(allowedOrigins: settings.httpAllowedOrigins),
            limits: HTTPWebSocketLimits(maximumMessageSize: settings.maxStanzaBytes, pingInterval: settings.keepaliveInterval),
            refusalMessage: WebSocketHandshake.message(for:),
            serving: .onEventLoop { channel, _ in
                let connection = C2SConnection(webSocket: channel, shared: shared, overTLS: tls != nil)
                shared.connections.track(connection)
                try channel.pipeline.syncOperations.addHandler(C2SWebSocketFrameHandler(connection: connection, limits: xmlLimits))
            })
        let limits = HTTPLimits(maximumConnections: 4096, idleTimeout: 30)
        let logger = shared.logger
        let host = settings.httpHost
        let scheme = tls == nil ? "ws" : "wss"
        try listener.mount(
            HTTPMount(
                contributor: "xmpp-c2s", prefix: path, limits: limits, tls: tls, webSocket: endpoint,
                routes: { _ in },
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
}
