import NIOCore
import ParleyIRC

/// The thin pipeline handler behind `IRCClient`: decodes each framed line (UTF-8, else the
/// network's fallback charset), parses it and hands it to the client on the event loop.
final class IRCClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = IRCLine

    private let client: IRCClient
    private let connection: Int
    private let fallback: IRCTextDecoding.Fallback

    init(client: IRCClient, connection: Int, fallback: IRCTextDecoding.Fallback) {
        self.client = client
        self.connection = connection
        self.fallback = fallback
    }

    func channelActive(context: ChannelHandlerContext) {
        client.loopConnected(context.channel, connection: connection)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.loopDisconnected(connection: connection, reason: "connection closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        // A line that does not parse (an empty line, a broken server) is skipped, as
        // clients do; the connection stays up.
        guard let message = try? line.message(fallback: fallback) else { return }
        client.loopReceived(message, connection: connection)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        client.loopError(error, connection: connection)
        context.close(promise: nil)
    }
}
