import Logging
import NIOCore
import NIOPosix
import ParleyCore
import ParleyCred
import ParleyLauncher
import ServiceLifecycle
import Synchronization

/// `parleyd text-chat`: a line-based chat protocol over TCP (LOGIN, JOIN, SAY, MSG, …),
/// in the spirit of Prosody's telnet console. Small enough to read at once, it shows the
/// whole path: login through the portal, the chat model, fan-out, graceful shutdown.
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

    public static let options: [any AnyPluginOption] = [hostOption, portOption, maxLineOption, loginTimeoutOption, insecureOption]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        let host = options.value(hostOption)
        let loopback = host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
        guard loopback || options.value(insecureOption) else {
            throw OptionError(
                key: hostOption.name,
                message: "text-chat sends passwords in clear; listen on loopback, or set allow-cleartext-remote")
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
