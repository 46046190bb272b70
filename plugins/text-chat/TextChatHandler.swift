import Logging
import NIOCore

/// The channel handler of one text-chat connection: a thin shell that hands decoded lines,
/// in order, to the connection's command loop, and turns decoding errors into a final
/// `ERR` line and a close.
final class TextChatHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let lines: AsyncStream<String>.Continuation
    let connection: TextChatConnection
    let maximumLineLength: Int

    init(connection: TextChatConnection, lines: AsyncStream<String>.Continuation, maximumLineLength: Int) {
        self.connection = connection
        self.lines = lines
        self.maximumLineLength = maximumLineLength
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let line = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes),
            line.utf8.elementsEqual(buffer.readableBytesView)
        else {
            connection.write("ERR bad-encoding lines must be UTF-8")
            return
        }
        if case .dropped = lines.yield(line) {
            // More unanswered commands than the buffer holds: a flood.
            connection.write("ERR flood too many commands at once")
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        lines.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is LineFrameDecoder.LineTooLong {
            connection.write("ERR line-too-long lines are limited to \(maximumLineLength) bytes")
        } else {
            connection.logger.debug("connection error", metadata: ["error": "\(error)"])
        }
        context.close(promise: nil)
    }
}
