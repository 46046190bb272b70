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
final class TextChatService: Service, Sendable {
    let host: String
    let port: Int
    let maxLine: Int
    let loginTimeout: Double
    let context: PluginContext
    private let connections = Mutex<[ObjectIdentifier: TextChatConnection]>([:])

    init(host: String, port: Int, maxLine: Int, loginTimeout: Double, context: PluginContext) {
        self.host = host
        self.port = port
        self.maxLine = maxLine
        self.loginTimeout = loginTimeout
        self.context = context
    }

    func run() async throws {
        let logger = context.logger
        let server = try await ServerBootstrap(group: context.eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.accept(channel) }
            }
            .bind(host: host, port: port).get()
        let bound = server.localAddress?.port ?? port
        logger.notice(
            "text-chat listening",
            metadata: ["plugin": "text-chat", "host": "\(host)", "port": "\(bound)", "max-line": "\(maxLine)"])
        try? await gracefulShutdown()
        logger.info("text-chat stopping", metadata: ["connections": "\(connections.withLock { $0.count })"])
        try? await server.close()
        for connection in connections.withLock({ Array($0.values) }) {
            if !connection.isLoggedIn { connection.write("BYE server shutting down") }
            try? await connection.channel.close()
        }
    }

    private func accept(_ channel: any Channel) throws {
        let connection = TextChatConnection(
            channel: channel, portal: context.portal, chat: context.chat, logger: context.logger)
        let (lines, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(64))
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumLength: maxLine)))
        try channel.pipeline.syncOperations.addHandler(TextChatHandler(connection: connection, lines: continuation, maximumLineLength: maxLine))
        let id = ObjectIdentifier(channel)
        connections.withLock { $0[id] = connection }
        channel.eventLoop.scheduleTask(in: .milliseconds(Int64(loginTimeout * 1000))) {
            if !connection.isLoggedIn {
                connection.write("ERR login-timeout")
                channel.close(promise: nil)
            }
        }
        connection.write("HELLO parley text-chat; LOGIN <user> <password>")
        Task {
            for await line in lines {
                if await !connection.handle(line) { break }
            }
            await connection.close()
            try? await channel.close()
            _ = connections.withLock { $0.removeValue(forKey: id) }
        }
    }
}
