import NIOCore
import ParleyXML

/// The thin NIO shell around a `ComponentConnection`: hands it parsed stream events,
/// errors, a full outbound queue and the end of the connection, on the channel's event loop.
final class RouterChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = XMLStreamEvent

    let connection: ComponentConnection

    init(connection: ComponentConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let event = unwrapInboundIn(data)
        connection.assumeIsolated { $0.receive(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.assumeIsolated { $0.failed(error) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ComponentOutbox.QueueOverflow {
            connection.assumeIsolated { $0.overflowed() }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.assumeIsolated { $0.inactive() }
        context.fireChannelInactive()
    }
}
