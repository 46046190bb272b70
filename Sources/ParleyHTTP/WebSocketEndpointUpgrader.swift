import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// The WebSocket upgrader of one connection to a listener (RFC 6455 §4.2): NIO's, for the
/// endpoint the request's path names. A handshake to a path without an endpoint is not
/// upgraded and goes on as HTTP; one the endpoint's policy refuses is remembered
/// (`refused`), and the connection answers it with the refusal (`HTTPServerChannel`).
struct WebSocketEndpointUpgrader: NIOTypedHTTPServerProtocolUpgrader {
    typealias UpgradeResult = HTTPServerChannel.Connection

    /// What the connection's handshake came to, on its event loop.
    struct Handshake {
        var upgrader: NIOTypedWebSocketServerUpgrader<HTTPServerChannel.Connection>?
        var refusal: (WebSocketUpgradePolicy.Refusal, WebSocketEndpoint)?
    }

    private let endpoints: [String: WebSocketEndpoint]
    let handshake: NIOLoopBoundBox<Handshake>

    init(endpoints: [String: WebSocketEndpoint], eventLoop: any EventLoop) {
        self.endpoints = endpoints
        self.handshake = NIOLoopBoundBox(Handshake(), eventLoop: eventLoop)
    }

    var supportedProtocol: String { "websocket" }
    var requiredUpgradeHeaders: [String] { [] }

    func buildUpgradeResponse(
        channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        guard let endpoint = endpoints[Self.path(of: upgradeRequest.uri)] else {
            return channel.eventLoop.makeFailedFuture(NIOWebSocketUpgradeError.unsupportedWebSocketTarget)
        }
        switch Self.check(upgradeRequest, endpoint: endpoint) {
        case .failure(let refusal):
            handshake.value.refusal = (refusal, endpoint)
            return channel.eventLoop.makeFailedFuture(NIOWebSocketUpgradeError.unsupportedWebSocketTarget)
        case .success(let subprotocol):
            let upgrader = Self.upgrader(for: endpoint, subprotocol: subprotocol)
            handshake.value.upgrader = upgrader
            let handshake = self.handshake
            return upgrader.buildUpgradeResponse(
                channel: channel, upgradeRequest: upgradeRequest, initialResponseHeaders: initialResponseHeaders
            ).flatMapErrorThrowing { error in
                // NIO refused RFC 6455's own fields (§4.2.1): answered, not sent on as HTTP.
                let version = upgradeRequest.headers["Sec-WebSocket-Version"]
                handshake.value.refusal = (version == ["13"] ? .malformedHandshake : .unsupportedVersion, endpoint)
                throw error
            }
        }
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<HTTPServerChannel.Connection> {
        guard let upgrader = handshake.value.upgrader else {
            return channel.eventLoop.makeFailedFuture(NIOWebSocketUpgradeError.unsupportedWebSocketTarget)
        }
        return upgrader.upgrade(channel: channel, upgradeRequest: upgradeRequest)
    }

    /// The path of a request target, without its query or a trailing slash (the router
    /// serves `/xmpp-websocket/` as `/xmpp-websocket`).
    static func path(of uri: String) -> String {
        var path = uri.prefix { $0 != "?" }
        if path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }

    /// The subprotocol `head` may open the endpoint with, or why not.
    static func check(_ head: HTTPRequestHead, endpoint: WebSocketEndpoint) -> Result<String?, WebSocketUpgradePolicy.Refusal> {
        guard let request = try? HTTPRequest(head, secure: false, splitCookie: false) else { return .failure(.notAnUpgrade) }
        return endpoint.policy.check(request.headerFields, authority: request.authority)
    }

    private static func upgrader(
        for endpoint: WebSocketEndpoint, subprotocol: String?
    ) -> NIOTypedWebSocketServerUpgrader<HTTPServerChannel.Connection> {
        NIOTypedWebSocketServerUpgrader(
            // NIO's decoder bounds each frame; WebSocketMessageHandler bounds the message.
            maxFrameSize: endpoint.limits.maximumMessageSize,
            enableAutomaticErrorHandling: true,
            shouldUpgrade: { channel, _ in
                // RFC 6455 §4.2.2 /subprotocol/.
                let fields = subprotocol.map { HTTPHeaders([("Sec-WebSocket-Protocol", $0)]) } ?? HTTPHeaders()
                return channel.eventLoop.makeSucceededFuture(fields)
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WebSocketMessageHandler(limits: endpoint.limits))
                    switch endpoint.serving {
                    case .onEventLoop(let install):
                        do {
                            try install(channel, subprotocol)
                        } catch {
                            channel.close(promise: nil)
                            throw error
                        }
                        return .servedOnEventLoop
                    case .messages(let serve):
                        let messages = try NIOAsyncChannel<ByteBuffer, WebSocketFrame>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return .webSocketMessages(messages, serve)
                    }
                }
            })
    }
}
