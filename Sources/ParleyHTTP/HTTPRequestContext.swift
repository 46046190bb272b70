import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of every route on a shared listener: Hummingbird's core context
/// and the request's connection, so that a route can close it (a server-sent event stream
/// whose reader stopped reading) or name its peer in a log line. It can upgrade to WebSocket
/// (`RouterGroup.ws`) on a listener where a mount asked for it; the upgraded connection is
/// the same channel.
public struct HTTPRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    public let channel: any Channel
    /// The WebSocket handler a `ws` route chose, for the upgrade.
    public let webSocket: WebSocketHandlerReference<HTTPRequestContext>

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        webSocket = .init()
    }
}
