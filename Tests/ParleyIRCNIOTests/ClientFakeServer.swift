import Foundation
import NIOCore
import NIOPosix
import ParleyIRC
import ParleyIRCNIO

/// A scripted IRC server on loopback for the `IRCClient` tests: answers registration, CAP
/// (offering `multi-prefix`), JOIN with NAMES, and replies to `PRIVMSG <chan> :hello`
/// with `bob`'s "hi there" and `PRIVMSG <chan> :legacy` with a Windows-1252 line. It records every line per connection, and can drop the
/// first connection after its JOIN (to exercise reconnect).
final class ClientFakeServer: @unchecked Sendable {
    private let lock = NSLock()
    private var connections: [[String]] = []
    private var channel: (any Channel)?
    let dropFirstConnectionAfterJoin: Bool

    init(dropFirstConnectionAfterJoin: Bool = false) {
        self.dropFirstConnectionAfterJoin = dropFirstConnectionAfterJoin
    }

    /// The lines each connection sent, in order.
    var received: [[String]] { lock.withLock { connections } }

    func start() async throws -> Int {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let index = self.lock.withLock {
                        self.connections.append([])
                        return self.connections.count - 1
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(IRCLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(Handler(server: self, index: index))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        return channel.localAddress!.port!
    }

    func stop() async {
        try? await channel?.close()
    }

    func record(_ line: String, connection index: Int) {
        lock.withLock { connections[index].append(line) }
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = IRCLine
        let server: ClientFakeServer
        let index: Int
        var nick = "*"
        /// CAP LS holds registration until CAP END (IRCv3 capability negotiation).
        var negotiating = false
        var userSent = false

        init(server: ClientFakeServer, index: Int) {
            self.server = server
            self.index = index
        }

        func welcome() -> [String] {
            [":fake 001 \(nick) :Welcome", ":fake 005 \(nick) CASEMAPPING=ascii PREFIX=(ov)@+ :are supported"]
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = unwrapInboundIn(data).decoded().text
            server.record(text, connection: index)
            guard let message = try? IRCMessage(parsing: text) else { return }
            var replies: [String] = []
            switch message.command {
            case "CAP" where message.parameters.first == "LS":
                negotiating = true
                replies.append(":fake CAP * LS :multi-prefix")
            case "CAP" where message.parameters.first == "END":
                negotiating = false
                if userSent { replies += welcome() }
            case "CAP" where message.parameters.first == "REQ":
                replies.append(":fake CAP * ACK :\(message.parameters.last ?? "")")
            case "NICK":
                nick = message.parameters.first ?? "*"
            case "USER":
                userSent = true
                if !negotiating { replies += welcome() }
            case "JOIN":
                let channel = message.parameters.first ?? "#x"
                replies += [
                    ":\(nick)!u@h JOIN \(channel)", ":fake 353 \(nick) = \(channel) :@\(nick) +bob",
                    ":fake 366 \(nick) \(channel) :End of /NAMES list.",
                ]
            case "PRIVMSG" where message.parameters.last == "hello":
                replies.append(":bob!b@h PRIVMSG \(message.parameters[0]) :hi there")
            default:
                break
            }
            var buffer = context.channel.allocator.buffer(capacity: 256)
            for reply in replies { buffer.writeString(reply + "\r\n") }
            if message.command == "PRIVMSG", message.parameters.last == "legacy" {
                // A legacy client's line: "café €" in Windows-1252, not valid UTF-8.
                buffer.writeString(":old!o@h PRIVMSG \(message.parameters[0]) :caf")
                buffer.writeBytes([0xE9, 0x20, 0x80, 0x0D, 0x0A])
            }
            context.writeAndFlush(NIOAny(buffer), promise: nil)
            if message.command == "JOIN", index == 0, server.dropFirstConnectionAfterJoin {
                context.close(promise: nil)
            }
        }
    }
}
