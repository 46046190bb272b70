import Logging
import NIOCore

/// The channel handler of one text-chat connection: a thin shell that hands decoded lines,
/// in order, to the connection's inbox on the event loop, and turns decoding errors into a
/// final `ERR` line and a close.
final class TextChatHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let connection: TextChatConnection
    let maximumLineLength: Int

    init(connection: TextChatConnection, maximumLineLength: Int) {
        self.connection = connection
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
        connection.assumeIsolated { $0.receive(line) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let connection = self.connection
        Task { await connection.end() }
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
