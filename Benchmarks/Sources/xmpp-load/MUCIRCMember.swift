import NIOCore

/// One IRC client in the mixed room (Parley's irc-server serves the MUC room `name@…` as
/// the channel `#name`): it logs in with `PASS account:password`, NICK and USER, joins the
/// channel after 001, counts as entered at the 366 that ends NAMES, answers PING, and hands
/// the time stamp of each channel PRIVMSG to the room as one delivered copy. Lines are
/// split on LF and looked at as bytes. Only touched on the room's event loop.
final class MUCIRCMember: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let index: Int
    let nick: String
    let account: String
    let password: String
    let channelName: String
    unowned let room: MUCRoom
    /// Succeeds at 001 (registered); fails when the server refuses or closes.
    let registered: EventLoopPromise<Void>
    /// Set before closing on purpose, so that the close is no failure.
    var closing = false
    private var context: ChannelHandlerContext?
    private var line: [UInt8] = []
    private var isRegistered = false
    private var hasEntered = false

    init(index: Int, nick: String, account: String, password: String, channel: String, room: MUCRoom) {
        self.index = index
        self.nick = nick
        self.account = account
        self.password = password
        self.channelName = channel
        self.room = room
        registered = room.loop.makePromise(of: Void.self)
    }

    /// Sends JOIN; the room hears of the entry at the 366.
    func join() { send("JOIN \(channelName)\r\n") }

    func close() {
        closing = true
        send("QUIT :done\r\n")
        context?.close(promise: nil)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        send("PASS \(account):\(password)\r\nNICK \(nick)\r\nUSER \(nick) 0 * :xmpp-load\r\n")
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
        room.sink?.readComplete()
        context.fireChannelReadComplete()
    }

    private func handle(_ line: [UInt8]) {
        // ":prefix COMMAND params…": the command is the second word (the first without a prefix).
        let words = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
        guard let first = words.first else { return }
        let hasPrefix = first.first == UInt8(ascii: ":")
        guard let command = hasPrefix ? (words.count > 1 ? words[1] : nil) : first else { return }
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
            if digits > 0 { room.sink?.copy(stampedAt: stamp, to: index) }
        case "PING":
            send("PONG" + String(decoding: line.dropFirst(4), as: UTF8.self) + "\r\n")
        case "001":
            isRegistered = true
            registered.succeed(())
        case "366":
            if !hasEntered {
                hasEntered = true
                room.entered(index)
            }
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
        let message = "IRC member \(nick): \(reason)"
        if !isRegistered { registered.fail(LoadError(message)) }
        room.fail(message)
    }

    private func send(_ text: String) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
    }
}
