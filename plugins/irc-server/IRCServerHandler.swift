import NIOCore
import ParleyIRC
import ParleyIRCNIO

/// The channel handler of one IRC connection: a thin shell on the event loop that frames
/// lines (`IRCLineDecoder`, with its hard length limit: an over-long line is dropped and
/// answered with 417), decodes each, parses it, answers what cannot be parsed and hands the
/// rest to the connection actor synchronously.
///
/// It frames by itself instead of behind a `ByteToMessageHandler`: one handler less per
/// connection, and between lines it holds no buffer at all (a partial line is copied out
/// of the receive buffer), which keeps an idle client small (docs/benchmarks-irc.md).
final class IRCServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let connection: IRCConnection
    /// Lines that are not UTF-8 are refused (`utf8-only`), not read as Latin-1.
    private let utf8Only: Bool
    private var decoder = IRCLineDecoder()
    /// The start of a line whose LF has not arrived yet.
    private var partial: ByteBuffer?

    init(connection: IRCConnection, utf8Only: Bool) {
        self.connection = connection
        self.utf8Only = utf8Only
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var partial = self.partial.take() {
            partial.writeBuffer(&buffer)
            buffer = partial
        }
        while let frame = decoder.nextFrame(from: &buffer) {
            switch frame {
            case .line(let line): handle(line)
            case .tooLong: connection.assumeIsolated { $0.refused(.bodyTooLong) }
            }
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
        let (text, notUTF8) = line.decoded()
        do {
            // IRCv3 message-tags: a client sends at most 4094 bytes of tag data.
            message = try IRCMessage(parsing: text, maximumTagBytes: IRCLimits.maximumClientTagBytes)
        } catch {
            connection.assumeIsolated { $0.refused(error) }
            return
        }
        if notUTF8 && utf8Only {
            // IRCv3 utf8-only: refused whole, nothing of it relayed.
            connection.assumeIsolated { $0.refusedInvalidUTF8(message.command) }
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
}

extension IRCConnection {
    /// A line that is not UTF-8 on a `utf8-only` server: `FAIL <command> INVALID_UTF8`
    /// (IRCv3 utf8-only, standard replies), whatever the command, before or after
    /// registration; the line is dropped.
    func refusedInvalidUTF8(_ command: String) {
        guard chargeRefusedLine() else { return }
        send(
            IRCMessage(
                source: serverName, command: "FAIL",
                parameters: [
                    command.uppercased(), "INVALID_UTF8",
                    "Message rejected, your IRC software MUST use UTF-8 encoding on this network",
                ]))
    }

    /// A line that is not an IRC message (modern.ircdocs.horse: 417 for over-long input,
    /// which the client may recover from; NUL or CR inside a line ends the connection).
    func refused(_ error: IRCParseError) {
        guard chargeRefusedLine() else { return }
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
