import NIOCore
import NIOPosix

/// What a `StampedIRCClient` reports; called on the client's event loop only.
protocol StampedIRCDelegate: AnyObject {
    /// The 366 that ends NAMES after our JOIN of `channel`: we are in the channel.
    func irc(_ client: StampedIRCClient, joined channel: String)
    /// A PRIVMSG to `target` (a channel, or our nick) whose text starts with a decimal time stamp.
    func irc(_ client: StampedIRCClient, stamp: UInt64, target: ArraySlice<UInt8>)
    /// The end of one read on the connection (a moment to send more).
    func ircReadComplete(_ client: StampedIRCClient)
    /// The server refused something, sent ERROR or closed the connection.
    func irc(_ client: StampedIRCClient, failed reason: String)
}

/// A raw IRC client of the load generator: it registers (PASS when given, NICK, USER),
/// answers PING, joins channels (the 366 that ends NAMES tells the delegate it is in), sends
/// PRIVMSGs whose text starts with a 20-digit monotonic send time, and hands the time stamp
/// of each PRIVMSG it receives to its delegate. Lines are split on LF and looked at as
/// bytes. Only touched on its event loop.
final class StampedIRCClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let nick: String
    /// Sent as `PASS` before NICK when set (Parley's irc-server takes `account:password`).
    let password: String?
    weak var delegate: StampedIRCDelegate?
    /// Succeeds at 001 (registered); fails when the server refuses or closes before.
    let registered: EventLoopPromise<Void>
    /// Set before closing on purpose, so that the close is no failure.
    private(set) var closing = false
    private var context: ChannelHandlerContext?
    private var line: [UInt8] = []
    private var isRegistered = false

    init(nick: String, password: String?, loop: EventLoop) {
        self.nick = nick
        self.password = password
        registered = loop.makePromise(of: Void.self)
    }

    /// Connects to `host:port` on `loop` with this client as the whole pipeline.
    func connect(host: String, port: Int, on loop: EventLoop) -> EventLoopFuture<Channel> {
        ClientBootstrap(group: loop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(self) }
            }
            .connect(host: host, port: port)
    }

    /// Sends JOIN; the delegate hears of the entry at the 366.
    func join(_ channel: String) { send("JOIN \(channel)\r\n") }

    /// `PRIVMSG target :<20-digit stamp><text>`, written now and flushed by `flush()`.
    func privmsg(_ target: String, stampedAt stamp: UInt64, text: String) {
        let digits = String(stamp)
        write("PRIVMSG \(target) :" + String(repeating: "0", count: max(0, 20 - digits.utf8.count)) + digits + text + "\r\n")
    }

    func flush() { context?.flush() }

    func close() {
        closing = true
        send("QUIT :done\r\n")
        context?.close(promise: nil)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        let pass = password.map { "PASS \($0)\r\n" } ?? ""
        send(pass + "NICK \(nick)\r\nUSER \(nick) 0 * :xmpp-load\r\n")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        if !closing { failure("the server closed the connection") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !closing { failure("\(error)") }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        for byte in buffer.readableBytesView {
            if byte == UInt8(ascii: "\n") {
                handle(line)
                line.removeAll(keepingCapacity: true)
            } else if byte != UInt8(ascii: "\r") {
                line.append(byte)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.ircReadComplete(self)
        context.fireChannelReadComplete()
    }

    private func handle(_ line: [UInt8]) {
        // ":prefix COMMAND params…": the command is the second word (the first without a prefix).
        let words = line.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: true)
        guard let first = words.first else { return }
        let hasPrefix = first.first == UInt8(ascii: ":")
        guard let command = hasPrefix ? (words.count > 1 ? words[1] : nil) : first else { return }
        let target = words.count > (hasPrefix ? 2 : 1) ? words[hasPrefix ? 2 : 1] : []
        switch String(decoding: command, as: UTF8.self) {
        case "PRIVMSG":
            // The text after " :" starts with the 20-digit time stamp.
            guard let colon = Self.trailing(line) else { return }
            var stamp: UInt64 = 0
            var digits = 0
            for byte in line[colon...] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
                stamp = stamp &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
                digits += 1
            }
            if digits > 0 { delegate?.irc(self, stamp: stamp, target: target) }
        case "PING":
            send("PONG" + String(decoding: line.dropFirst(4), as: UTF8.self) + "\r\n")
        case "001":
            isRegistered = true
            registered.succeed(())
        case "366":
            // ":server 366 nick #channel :End of NAMES list"
            let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 4, omittingEmptySubsequences: true)
            if parts.count > 3 { delegate?.irc(self, joined: String(decoding: parts[3], as: UTF8.self)) }
        case "ERROR":
            failure(String(decoding: line, as: UTF8.self))
        case "422":
            break  // no MOTD: part of a normal registration
        case let numeric where numeric.count == 3 && (numeric.hasPrefix("4") || numeric.hasPrefix("5")):
            failure("refused: " + String(decoding: line, as: UTF8.self))
        default:
            break
        }
    }

    /// The offset just after the " :" that starts the trailing parameter.
    private static func trailing(_ line: [UInt8]) -> Int? {
        var i = 1
        while i < line.count {
            if line[i] == UInt8(ascii: ":"), line[i - 1] == UInt8(ascii: " ") { return i + 1 }
            i += 1
        }
        return nil
    }

    private func failure(_ reason: String) {
        let message = "IRC client \(nick): \(reason)"
        if !isRegistered { registered.fail(LoadError(message)) }
        delegate?.irc(self, failed: message)
    }

    private func write(_ text: String) {
        guard let context else { return }
        context.write(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
    }

    private func send(_ text: String) {
        write(text)
        flush()
    }
}
