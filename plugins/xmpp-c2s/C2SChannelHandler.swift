import NIOCore
import ParleyXML

/// The thin NIO shell around a `C2SConnection`: hands it parsed stream events, errors
/// and the end of the connection, on the channel's event loop.
final class C2SChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = XMLStreamEvent

    let connection: C2SConnection

    init(connection: C2SConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let event = unwrapInboundIn(data)
        connection.assumeIsolated { $0.receive(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.assumeIsolated { $0.failed(error) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let connection = self.connection
        Task { await connection.inactive() }
        context.fireChannelInactive()
    }
}
