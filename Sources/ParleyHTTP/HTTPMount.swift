import Hummingbird

/// One plugin's contribution to a listener: its routes under its path prefix, the limits
/// it asks for, the TLS it wants the listener to offer (nil: plain HTTP), the WebSocket
/// endpoint it serves at its prefix (`WebSocketEndpoint`), and whom to tell the bound port.
public struct HTTPMount: Sendable {
    /// Adds the routes to the group of the prefix (`group.get(":id")` serves `/status/:id`).
    public typealias Routes = @Sendable (RouterGroup<HTTPRequestContext>) -> Void

    /// The plugin's name, for logs and errors (`web-status`).
    public let contributor: String
    public let prefix: HTTPPathPrefix
    public let limits: HTTPLimits
    /// The listener's TLS as this plugin wants it; every mount on one address agrees.
    public let tls: HTTPTLS?
    /// The WebSocket served at exactly `prefix`; nil: none. A request there that is not a
    /// handshake the endpoint accepts gets the refusal's status (`WebSocketUpgradePolicy`).
    public let webSocket: WebSocketEndpoint?
    /// Whether `GET /` on the listener redirects here (a home page, as the chat page is);
    /// one mount per listener at most.
    public let isHome: Bool
    let routes: Routes
    /// Called once the listener has bound its port (the real one when it asked for port 0).
    let bound: @Sendable (Int) -> Void

    /// `prefix` is checked (`HTTPPathPrefix`).
    public init(
        contributor: String, prefix: String, limits: HTTPLimits, tls: HTTPTLS? = nil, webSocket: WebSocketEndpoint? = nil,
        isHome: Bool = false, routes: @escaping Routes,
        bound: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws {
        self.contributor = contributor
        self.prefix = try HTTPPathPrefix(prefix)
        self.limits = limits
        self.tls = tls
        self.webSocket = webSocket
        self.isHome = isHome
        self.routes = routes
        self.bound = bound
    }
}
