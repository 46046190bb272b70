import Hummingbird
import NIOCore

/// The request context of every route on a shared listener: Hummingbird's core context
/// and the request's connection, so that a route can close it (a server-sent event stream
/// whose reader stopped reading) or name its peer in a log line.
public struct HTTPRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
