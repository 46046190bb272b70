import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// One connection to a listener with WebSocket endpoints: HTTP/1.1 answered by
/// Hummingbird's responder (the listener's router), or, when the first request is a
/// handshake an endpoint accepts, that endpoint's WebSocket (RFC 6455 §4). An endpoint
/// served on the event loop keeps no task for its connection: the handshake, the
/// frames and the endpoint's handlers all run in the channel's pipeline.
struct HTTPServerChannel: ServerChildChannel, HTTPChannelHandler {
    /// What the connection became after its first request.
    enum Connection: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// A handshake the endpoint refused: the request is gone, the refusal is answered.
        case refusedUpgrade(
            NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, WebSocketUpgradePolicy.Refusal, WebSocketEndpoint)
        case servedOnEventLoop
        case webSocketMessages(
            NIOAsyncChannel<ByteBuffer, WebSocketFrame>,
            @Sendable (NIOAsyncChannelInboundStream<ByteBuffer>, any Channel) async -> Void)
    }

    struct Value: ServerChildChannelValue {
        let connection: EventLoopFuture<Connection>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration
    let endpoints: [String: WebSocketEndpoint]

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let idleTimeout = configuration.idleTimeout.map { Duration.nanoseconds($0.nanoseconds) }
            let upgrader = WebSocketEndpointUpgrader(endpoints: endpoints, eventLoop: channel.eventLoop)
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration<Connection>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        if let (refusal, endpoint) = upgrader.handshake.value.refusal {
                            return .refusedUpgrade(http, refusal, endpoint)
                        }
                        return .http(http)
                    }
                })
            var pipelineConfiguration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgrade)
            // As Hummingbird's own HTTP channels: NIOAsyncChannel orders requests, Hummingbird
            // answers errors, swift-http-types checks response fields.
            pipelineConfiguration.enablePipelining = false
            pipelineConfiguration.enableErrorHandling = false
            pipelineConfiguration.enableResponseHeaderValidation = false
            pipelineConfiguration.decoderConfiguration.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            pipelineConfiguration.decoderConfiguration.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            pipelineConfiguration.decoderConfiguration.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let connection = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
                configuration: pipelineConfiguration)
            return Value(connection: connection, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.connection.get() {
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refusedUpgrade(let http, let refusal, let endpoint):
                logger.info("WebSocket handshake refused", metadata: ["reason": "\(endpoint.refusalMessage(refusal))"])
                try await http.executeThenClose { _, outbound in
                    let (head, body) = endpoint.response(to: refusal)
                    try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
                }
            case .servedOnEventLoop:
                return
            case .webSocketMessages(let messages, let serve):
                try await messages.executeThenClose { inbound, _ in
                    await serve(inbound, messages.channel)
                }
            }
        } catch {
            logger.debug("HTTP connection ended", metadata: ["error": "\(error)"])
            // An upgrade whose endpoint failed to set up must not leave the socket open.
            value.channel.close(promise: nil)
        }
    }
}
