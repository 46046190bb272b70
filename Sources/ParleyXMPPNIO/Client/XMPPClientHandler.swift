import NIOCore
import ParleyXML

/// The thin pipeline handler behind `XMPPClient`: hands it the connection's start, parsed
/// stream events, errors and end, on the event loop.
final class XMPPClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = XMLStreamEvent

    private let client: XMPPClient
    private let connection: Int

    init(client: XMPPClient, connection: Int) {
        self.client = client
        self.connection = connection
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
        client.loopReceived(unwrapInboundIn(data), connection: connection)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        client.loopError(error, connection: connection)
        context.close(promise: nil)
    }
}
