import NIOCore
import ParleyIRC
import ParleyIRCNIO

/// The channel handler of one IRC connection: a thin shell on the event loop that frames
/// lines (`IRCLineDecoder`, with its hard length limit), decodes each (UTF-8, else
/// Latin-1), parses it, answers what cannot be parsed and hands the rest to the connection
/// actor synchronously.
///
/// It frames by itself instead of behind a `ByteToMessageHandler`: one handler less per
/// connection, and between lines it holds no buffer at all (a partial line is copied out
/// of the receive buffer), which keeps an idle client small (docs/benchmarks-irc.md).
final class IRCServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let connection: IRCConnection
    private var decoder = IRCLineDecoder()
    /// The start of a line whose LF has not arrived yet.
    private var partial: ByteBuffer?
    private var failed = false

    init(connection: IRCConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var buffer = unwrapInboundIn(data)
        if var partial = self.partial.take() {
            partial.writeBuffer(&buffer)
            buffer = partial
        }
        do {
            while let line = try decoder.nextLine(from: &buffer) { handle(line) }
        } catch {
            failed = true
            lineTooLong()
            return
        }
        if buffer.readableBytes > 0 {
            // Copied into a buffer of its own size, so the (larger) receive buffer is freed.
            var rest = context.channel.allocator.buffer(capacity: buffer.readableBytes)
            rest.writeBuffer(&buffer)
            partial = rest
        }
    }

    private func handle(_ line: IRCLine) {
        let message: IRCMessage
        do {
            message = try line.message()
        } catch {
            connection.assumeIsolated { $0.refused(error) }
            return
        }
        connection.assumeIsolated { $0.receive(message) }
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.assumeIsolated { $0.activated() }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Bytes after the last LF are not a line (RFC 1459 §2.3).
        partial = nil
        connection.assumeIsolated { connection in
            connection.mind?.flusher.markClosed()
            connection.disconnected()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.assumeIsolated { connection in
            connection.log(.debug, "connection error", ["error": "\(error)"])
            connection.close("Connection error")
        }
    }

    /// The framer cannot find the next line start: nothing to resync on.
    private func lineTooLong() {
        partial = nil
        connection.assumeIsolated { connection in
            connection.numeric(IRCNumeric.inputTooLong, ["Input line was too long"])
            connection.close("Line too long")
        }
    }
}

extension IRCConnection {
    /// A line that is not an IRC message (modern.ircdocs.horse: 417 for over-long input,
    /// which the client may recover from; NUL or CR inside a line ends the connection).
    func refused(_ error: IRCParseError) {
        sawActivity()
        guard !closed else { return }
        switch error {
        case .empty:
            break
        case .tagsTooLong, .bodyTooLong:
            numeric(IRCNumeric.inputTooLong, ["Input line was too long"])
        case .forbiddenCharacter:
            close("Malformed line: NUL or CR inside a message")
        case .missingCommand, .invalidCommand:
            numeric(IRCNumeric.unknownCommand, ["*", "Unknown command"])
        case .tooManyParameters, .invalidTag:
            numeric(IRCNumeric.unknownError, ["*", "Malformed message: \(error)"])
        }
    }
}
