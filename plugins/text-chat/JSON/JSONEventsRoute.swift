import Hummingbird
import Logging
import NIOCore
import NIOWebSocket
import ParleyCore
import ParleyCred
import ParleyHTTP
import ParleyLauncher
import ParleyServerNIO
import Synchronization

/// `/api/events` on the shared HTTP listener: the JSON event API, one WebSocket per client
/// (RFC 6455). The client logs in through the portal with a `login` command, then receives
/// its session's events as JSON objects and sends commands as JSON objects, one per text
/// message; `TextChatClient` runs them exactly as it runs text-chat lines. This type only
/// moves messages.
enum JSONEventsRoute {
    static let path = "/api/events"
    /// The subprotocol naming this schema's version; optional (a client offering none gets
    /// version 1), but a client offering others and not this one is refused.
    static let subprotocol = "parley-events.v1"

    /// The bounds of one connection.
    struct Settings: Sendable {
        var host = "127.0.0.1"
        var port = -1
        var allowedOrigins: [String] = []
        /// Bytes of one message (a frame, or fragments together); larger: close 1009.
        var maxMessage = 16_384
        var sendQueue = SendQueueLimit()
        var loginTimeout = 30.0
        var pingInterval = 60.0
    }

    static func mount(on listener: HTTPListener, settings: Settings, context: PluginContext) throws {
        let policy = WebSocketUpgradePolicy(
            subprotocols: [subprotocol], subprotocolRequired: false, allowedOrigins: settings.allowedOrigins)
        let logger = context.logger
        let endpoint = WebSocketEndpoint(
            policy: policy,
            limits: HTTPWebSocketLimits(maximumMessageSize: settings.maxMessage, pingInterval: settings.pingInterval),
            refusalMessage: message(for:),
            serving: .messages { messages, channel in
                await serve(messages, channel: channel, settings: settings, context: context)
            })
        try listener.mount(
            HTTPMount(
                contributor: "text-chat", prefix: path, limits: HTTPLimits(maximumConnections: 1024, idleTimeout: 30),
                webSocket: endpoint, routes: { _ in },
                bound: { port in
                    logger.notice(
                        "text-chat JSON event API listening",
                        metadata: ["port": "\(port)", "url": "ws://\(HTTPAddress(host: settings.host, port: port))\(path)"])
                }))
    }

    static func message(for refusal: WebSocketUpgradePolicy.Refusal) -> String {
        switch refusal {
        case .notAnUpgrade: "the JSON event API is a WebSocket: upgrade this request"
        case .noSubprotocol: "the JSON event API speaks the '\(subprotocol)' subprotocol (or none)"
        case .originNotAllowed: "pages from this origin may not open the JSON event API here"
        case .unsupportedVersion, .malformedHandshake: WebSocketUpgradePolicy.handshakeMessage(for: refusal) ?? ""
        }
    }

    /// One client: `hello`, then each text message is a command and gets its replies
    /// (ParleyHTTP's message handler has closed with 1003 for a binary message, 1007 for text
    /// that is not UTF-8 and 1009 for one over `maxMessage`). A client that has not logged in
    /// within `loginTimeout` is told so and closed with 1008.
    private static func serve(
        _ messages: NIOAsyncChannelInboundStream<ByteBuffer>, channel: any Channel, settings: Settings,
        context: PluginContext
    ) async {
        let mind = JSONEventsMind(channel: channel, sendQueue: settings.sendQueue, logger: context.logger)
        let chat = context.chat
        let client = TextChatClient(portal: context.portal, chat: chat, logger: context.logger, mind: mind)
        mind.send(JSONEventRenderer.hello(domain: chat.domain))
        let loggingIn = Atomic<Bool>(false)
        let timeout = Task {
            try await Task.sleep(for: .seconds(settings.loginTimeout))
            // A login the portal is still answering decides for itself.
            while loggingIn.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(100)) }
            guard !client.isLoggedIn else { return }
            mind.send(JSONEventRenderer.object(for: .refused(code: "login-timeout", message: nil), id: nil))
            mind.close(.policyViolation)
        }
        defer { timeout.cancel() }
        do {
            for try await message in messages {
                let text = String(buffer: message)
                let command: JSONCommand
                do {
                    command = try JSONCommand.parse(text, domain: chat.domain, isServiceDomain: chat.hasComponent(for:))
                } catch {
                    mind.send(JSONEventRenderer.object(for: error))
                    continue
                }
                let isLogin = if case .login = command.command { true } else { false }
                loggingIn.store(isLogin, ordering: .relaxed)
                var saidGoodbye = false
                let keepOpen = await client.handle(command.command) { replies in
                    for reply in replies { mind.send(JSONEventRenderer.object(for: reply, id: command.id)) }
                    saidGoodbye = replies.contains(.goodbye)
                }
                loggingIn.store(false, ordering: .relaxed)
                guard keepOpen else {
                    // `quit` is a normal closure; too many wrong passwords are not (RFC 6455 §7.4.1).
                    mind.close(saidGoodbye ? .normalClosure : .policyViolation)
                    break
                }
            }
        } catch {
            context.logger.debug("JSON event API connection ended", metadata: ["error": "\(error)"])
        }
        await client.close()
    }
}
