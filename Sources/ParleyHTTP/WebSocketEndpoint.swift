import HTTPTypes
import NIOCore
import NIOWebSocket

/// A WebSocket endpoint a mount serves at its prefix (RFC 6455): who may open it
/// (`policy`), its bounds, and how an opened connection is served. The listener answers
/// the opening handshake itself on the event loop; after it, ParleyHTTP's
/// `WebSocketMessageHandler` checks frames, answers pings, closes with the right codes and
/// passes on whole text messages (one `ByteBuffer` each, unmasked, valid UTF-8).
public struct WebSocketEndpoint: Sendable {
    /// How an upgraded connection is served.
    public enum Serving: Sendable {
        /// The endpoint adds its own handlers behind the message handler, on the event loop,
        /// and the connection lives in its pipeline: no task per connection (what a
        /// protocol with many idle sessions wants, as XMPP over WebSocket).
        case onEventLoop(@Sendable (_ channel: any Channel, _ subprotocol: String?) throws -> Void)
        /// A task reads the messages from an async stream until it ends or the task returns;
        /// the connection then closes. Writes go to the channel.
        case messages(
            @Sendable (_ messages: NIOAsyncChannelInboundStream<ByteBuffer>, _ channel: any Channel) async -> Void)
    }

    public let policy: WebSocketUpgradePolicy
    public let limits: HTTPWebSocketLimits
    /// The line of text a refused handshake gets.
    public let refusalMessage: @Sendable (WebSocketUpgradePolicy.Refusal) -> String
    public let serving: Serving

    public init(
        policy: WebSocketUpgradePolicy, limits: HTTPWebSocketLimits,
        refusalMessage: @escaping @Sendable (WebSocketUpgradePolicy.Refusal) -> String, serving: Serving
    ) {
        self.policy = policy
        self.limits = limits
        self.refusalMessage = refusalMessage
        self.serving = serving
    }

    /// What a request refused for `refusal` gets: its status, its line of text, and the
    /// connection closed after it unless it was a plain request (426 without an upgrade).
    /// Another `Sec-WebSocket-Version` is told the one spoken (RFC 6455 §4.2.2).
    func response(to refusal: WebSocketUpgradePolicy.Refusal) -> (head: HTTPResponse, body: ByteBuffer) {
        let body = ByteBuffer(string: refusalMessage(refusal) + "\n")
        var fields: HTTPFields = [.contentType: "text/plain; charset=utf-8", .contentLength: "\(body.readableBytes)"]
        if refusal != .notAnUpgrade { fields[.connection] = "close" }
        if refusal == .unsupportedVersion { fields[.secWebSocketVersion] = "13" }
        return (HTTPResponse(status: refusal.status, headerFields: fields), body)
    }
}
