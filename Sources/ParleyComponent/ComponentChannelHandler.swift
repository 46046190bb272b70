import NIOCore
import ParleyXML

/// The thin NIO shell around a `ComponentConnector`: hands it the connection's start,
/// parsed stream events, errors, writability and end, on the connector's event loop.
final class ComponentChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = XMLStreamEvent

    let connector: ComponentConnector
    /// The connection attempt this pipeline belongs to.
    let generation: Int

    init(connector: ComponentConnector, generation: Int) {
        self.connector = connector
        self.generation = generation
    }

    func channelActive(context: ChannelHandlerContext) {
        let (channel, generation) = (context.channel, self.generation)
        connector.assumeIsolated { $0.channelActive(channel, generation: generation) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let (event, generation) = (unwrapInboundIn(data), self.generation)
        connector.assumeIsolated { $0.received(event, generation: generation) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let generation = self.generation
        connector.assumeIsolated { $0.failed(error, generation: generation) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            let generation = self.generation
            connector.assumeIsolated { $0.writabilityChanged(generation: generation) }
        }
        context.fireChannelWritabilityChanged()
    }
}
