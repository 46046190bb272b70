import NIOCore

/// One raw IRC client under load, as a NIO handler on one of the generator's event loops.
/// It registers (optional PASS, then NICK and USER, RFC 2812 3.1), answers PING, and
/// reports registration (001, and with `waitForMOTD` also the end of the MOTD: 376 or
/// 422) and the end of NAMES after a JOIN (366). During setup it splits lines and looks at
/// the command only; once its loop's `tally` is running it stops splitting lines and just
/// counts `PRIVMSG ` (see `PrivmsgCounter`). It depends on no Parley module, so it
/// measures any IRC server the same way. Only touched on its channel's event loop.
final class IRCLoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let nick: String
    let password: String?
    let waitForMOTD: Bool
    /// The fan-out tallies of this loop (nil in idle mode).
    let tally: LoopTally?
    /// The member whose copies pace the senders (see `FanoutSender`).
    var isWitness = false
    /// Succeeds once registered (see the type's comment); fails if the server refuses.
    let registered: EventLoopPromise<Void>
    /// Succeeds at the 366 after our JOIN; fails if the server refuses the JOIN.
    let joined: EventLoopPromise<Void>
    /// Set before we close the connection ourselves, so that the close is no failure.
    var closing = false
    private var saw001 = false
    private var sawMOTDEnd = false
    private var isRegistered = false
    private var isJoined = false
    private var counting = false
    private var counter = PrivmsgCounter()
    private var pending: [UInt8] = []
    private var context: ChannelHandlerContext?

    init(nick: String, password: String?, waitForMOTD: Bool, tally: LoopTally?, loop: any EventLoop) {
        self.nick = nick
        self.password = password
        self.waitForMOTD = waitForMOTD
        self.tally = tally
        registered = loop.makePromise()
        joined = loop.makePromise()
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        var hello = ""
        if let password { hello += "PASS \(password)\r\n" }
        hello += "NICK \(nick)\r\nUSER \(nick) 0 * :irc-load\r\n"
        send(hello)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        if !closing { failEverything("\(nick): the server closed the connection") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !closing { failEverything("\(nick): \(error)") }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if counting {
            count(buffer)
        } else if let tally, tally.running {
            // Setup is over: whatever partial line is left goes to the counter first.
            counting = true
            if !pending.isEmpty {
                var rest = context.channel.allocator.buffer(capacity: pending.count)
                rest.writeBytes(pending)
                pending = []
                count(rest)
            }
            count(buffer)
        } else {
            pending.append(contentsOf: buffer.readableBytesView)
            splitLines()
        }
    }

    /// Sends JOIN for `channel` (RFC 2812 3.2.1).
    func join(_ channel: String) { send("JOIN \(channel)\r\n") }

    /// Queues `bytes`, flushing if asked (the fan-out senders batch their flushes).
    func send(_ bytes: ByteBuffer, flush: Bool) {
        guard let context else { return }
        if flush {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        } else {
            context.write(wrapOutboundOut(bytes), promise: nil)
        }
    }

    func flush() { context?.flush() }

    func close() {
        closing = true
        context?.close(promise: nil)
    }

    private func send(_ text: String) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func count(_ buffer: ByteBuffer) {
        var pings: [String] = []
        let found = buffer.withUnsafeReadableBytes { bytes in
            counter.count(bytes) { offset in
                var end = offset
                while end < bytes.count && bytes[end] != 0x0D && bytes[end] != 0x0A { end += 1 }
                if end < bytes.count { pings.append(String(decoding: bytes[offset..<end], as: UTF8.self)) }
            }
        }
        for token in pings { send("PONG \(token)\r\n") }
        if found > 0 { tally?.received(found, witness: isWitness) }
    }

    private func splitLines() {
        var start = 0
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            var end = newline
            if end > start && pending[end - 1] == 0x0D { end -= 1 }
            handleLine(pending[start..<end])
            start = newline + 1
        }
        if start > 0 { pending.removeFirst(start) }
        if pending.count > 65_536 { failEverything("\(nick): a line longer than 64 KiB") }
    }

    /// Looks at the command of one line (RFC 2812 2.3.1: optional ":prefix ", command).
    private func handleLine(_ line: ArraySlice<UInt8>) {
        var rest = line
        if rest.first == UInt8(ascii: ":") {
            guard let space = rest.firstIndex(of: 0x20) else { return }
            rest = rest[(space + 1)...]
        }
        let commandEnd = rest.firstIndex(of: 0x20) ?? rest.endIndex
        let command = String(decoding: rest[..<commandEnd], as: UTF8.self)
        let params = commandEnd < rest.endIndex ? rest[(commandEnd + 1)...] : []
        switch command {
        case "JOIN":
            tally?.joinLines += 1
        case "PING":
            send("PONG \(String(decoding: params, as: UTF8.self))\r\n")
        case "001":
            saw001 = true
            checkRegistered()
        case "376", "422":
            sawMOTDEnd = true
            checkRegistered()
        case "366":
            isJoined = true
            joined.succeed(())
        case "ERROR":
            failEverything("\(nick): \(String(decoding: line, as: UTF8.self))")
        case "432", "433", "436", "437", "451", "461", "464", "465":
            // Refused registration (RFC 2812 5.2).
            if !isRegistered { failEverything("\(nick): \(String(decoding: line, as: UTF8.self))") }
        case "403", "405", "471", "473", "474", "475", "476", "477", "489":
            // Refused JOIN.
            if !isJoined { joined.fail(LoadError("\(nick): \(String(decoding: line, as: UTF8.self))")) }
        default:
            break
        }
    }

    private func checkRegistered() {
        guard !isRegistered, saw001, sawMOTDEnd || !waitForMOTD else { return }
        isRegistered = true
        registered.succeed(())
    }

    private func failEverything(_ reason: String) {
        let error = LoadError(reason)
        if !isRegistered { registered.fail(error) }
        if !isJoined { joined.fail(error) }
        isRegistered = true
        isJoined = true
        tally?.fail(reason)
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
