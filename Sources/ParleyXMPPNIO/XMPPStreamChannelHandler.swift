import NIOCore
import ParleyXML

/// The thin NIO shell around an `XMPPStreamConnection`: hands it parsed stream events,
/// errors, user events and the end of the connection, on the channel's event loop.
public final class XMPPStreamChannelHandler<Connection: XMPPStreamConnection>: ChannelInboundHandler,
    RemovableChannelHandler
{
    public typealias InboundIn = XMLStreamEvent

    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Adds the stream decoder and a handler for `connection` to `channel`'s pipeline.
    public static func install(on channel: any Channel, decoder: XMPPStreamDecoder, connection: Connection) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(ByteToMessageHandler(decoder))
        try pipeline.addHandler(Self(connection: connection))
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let event = unwrapInboundIn(data)
        connection.assumeIsolated { $0.receive(event) }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.assumeIsolated { $0.failed(error) }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !connection.userInboundEvent(event) {
            context.fireUserInboundEventTriggered(event)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        connection.channelInactive()
        context.fireChannelInactive()
    }
}
