import NIOCore
import ParleyIRC
import ParleyIRCNIO

/// The channel handler of one IRC connection: a thin shell on the event loop that decodes
/// each framed line (UTF-8, else Latin-1), parses it, answers what cannot be parsed and
/// hands the rest to the connection actor synchronously.
final class IRCServerHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = IRCLine

    let connection: IRCConnection

    init(connection: IRCConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
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
        connection.assumeIsolated { $0.disconnected() }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.assumeIsolated { connection in
            if error is IRCLineTooLongError {
                // The framer cannot find the next line start: nothing to resync on.
                connection.numeric(IRCNumeric.inputTooLong, ["Input line was too long"])
                connection.close("Line too long")
            } else {
                connection.log(.debug, "connection error", ["error": "\(error)"])
                connection.close("Connection error")
            }
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
