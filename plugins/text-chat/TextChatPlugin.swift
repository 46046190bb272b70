import Logging
import NIOCore
import NIOPosix
import ParleyCore
import ParleyCred
import ParleyHTTP
import ParleyLauncher
import ParleyServerNIO
import ServiceLifecycle
import Synchronization

/// `parleyd text-chat`: a line-based chat protocol over TCP (LOGIN, JOIN, SAY, MSG, …),
/// in the spirit of Prosody's telnet console, and the same commands as JSON over a
/// WebSocket (`/api/events` with `http-port`, for web apps and bots that want no XML).
/// Small enough to read at once, it shows the whole path: login through the portal, the
/// chat model, fan-out, graceful shutdown.
public enum TextChatPlugin: ParleyPlugin {
    public static let name = "text-chat"
    public static let summary = "Line-based chat over TCP (LOGIN, JOIN, SAY, MSG); for scripts, bots and debugging."

    static let hostOption = PluginOption<String>("host", default: "127.0.0.1", help: "Address to listen on.")
    static let portOption = PluginOption<Int>("port", default: 5555, range: 0...65535, help: "TCP port; 0 picks a free one.")
    static let maxLineOption = PluginOption<Int>("max-line", default: 4096, range: 64...65536, help: "Longest accepted line in bytes.")
    static let loginTimeoutOption = PluginOption<Double>(
        "login-timeout", default: 30, range: 1...3600, help: "Seconds a connection may stay without logging in.")
    static let insecureOption = PluginOption<Bool>(
        "allow-cleartext-remote", default: false,
        help: "Allow listening beyond loopback although passwords travel in clear.")

    static let httpHostOption = PluginOption<String>(
        "http-host", default: "", help: "Address of the JSON event API's HTTP listener; empty: the same as host.")
    static let httpPortOption = PluginOption<Int>(
        "http-port", default: -1, range: -1...65535,
        help: "HTTP port of the JSON event API (WebSocket at /api/events); 0 picks a free one; -1: off.")
    static let httpOriginsOption = PluginOption<String>(
        "http-allowed-origins", default: "",
        help: "Browser origins (scheme://host[:port], comma-separated; * for any) allowed to open /api/events; empty: the same origin.")
    static let maxMessageOption = PluginOption<Int>(
        "http-max-message", default: 16_384, range: 256...1_048_576, help: "Largest JSON message in bytes (close 1009 above).")
    static let sendQueueOption = PluginOption<Int>(
        "max-send-queue", default: SendQueueLimit.defaultBytes, range: 65_536...1_073_741_824,
        help: "Bytes waiting for a JSON client that does not read before it is disconnected.")

    public static let options: [any AnyPluginOption] = [
        hostOption, portOption, maxLineOption, loginTimeoutOption, insecureOption,
        httpHostOption, httpPortOption, httpOriginsOption, maxMessageOption, sendQueueOption,
    ]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        let host = options.value(hostOption)
        let httpHost = options.value(httpHostOption).isEmpty ? host : options.value(httpHostOption)
        // Both faces carry passwords in clear (TLS, for the JSON API, is a proxy's job).
        for (option, address) in [(hostOption, host), (httpHostOption, httpHost)] {
            let loopback = address == "127.0.0.1" || address == "::1" || address == "localhost" || address.hasPrefix("127.")
            guard loopback || options.value(insecureOption) else {
                throw OptionError(
                    key: option.name,
                    message: "text-chat sends passwords in clear; listen on loopback, or set allow-cleartext-remote")
            }
        }
        let httpPort = options.value(httpPortOption)
        if httpPort >= 0 {
            var settings = JSONEventsRoute.Settings()
            settings.host = httpHost
            settings.port = httpPort
            settings.allowedOrigins = WebSocketUpgradePolicy.origins(option: options.value(httpOriginsOption))
            settings.maxMessage = options.value(maxMessageOption)
            settings.sendQueue = SendQueueLimit(bytes: options.value(sendQueueOption))
            settings.loginTimeout = options.value(loginTimeoutOption)
            do {
                try JSONEventsRoute.mount(on: context.http.listener(host: httpHost, port: httpPort), settings: settings, context: context)
            } catch {
                throw OptionError(key: httpPortOption.name, message: "\(error)")
            }
        }
        return TextChatService(
            host: host, port: options.value(portOption), maxLine: options.value(maxLineOption),
            loginTimeout: options.value(loginTimeoutOption), context: context)
    }
}

/// The running text-chat listener.
/// The running text-chat listener, on the server runtime: each connection gets line framer
/// → `TextChatHandler` → `TextChatConnection`. On graceful shutdown a client still logging
/// in is told `BYE server shutting down` (logged-in ones hear it from their session).
typealias TextChatService = ServerListener<TextChatConnection>

extension ServerListener where Connection == TextChatConnection {
    convenience init(host: String, port: Int, maxLine: Int, loginTimeout: Double, context: PluginContext) {
        let registry = ConnectionRegistry<TextChatConnection>(memory: context.memory)
        var options = ListenerOptions()
        options.backlog = 256
        options.sweepInterval = .fractionalSeconds(min(1.0, max(0.05, loginTimeout / 4)))
        let timeout = TimeAmount.fractionalSeconds(loginTimeout)
        self.init(
            name: "text-chat",
            endpoints: [
                ListenerEndpoint(host: host, port: port) { channel in
                    let connection = TextChatConnection(
                        channel: channel, portal: context.portal, chat: context.chat, logger: context.logger,
                        registry: registry, loginTimeout: timeout)
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumLength: maxLine)))
                    try pipeline.addHandler(TextChatHandler(connection: connection, maximumLineLength: maxLine))
                    registry.track(connection)
                    connection.write("HELLO parley text-chat; LOGIN <user> <password>")
                }
            ],
            options: options, registry: registry, eventLoopGroup: context.eventLoopGroup, logger: context.logger,
            metadata: ["max-line": "\(maxLine)"],
            shutdown: { connections in
                for connection in connections {
                    if !connection.isLoggedIn { connection.write("BYE server shutting down") }
                    try? await connection.channel.close()
                }
            })
    }
}
