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

    func channelActive(context: ChannelHandlerContext) {
        connection.assumeIsolated { $0.start() }
        context.fireChannelActive()
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

/// Notes every read on the raw transport (before TLS and XML), so that whitespace
/// keepalives from the client count as activity (RFC 6120 §4.6.1).
final class ActivityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let connection: C2SConnection

    init(connection: C2SConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.assumeIsolated { $0.sawBytes() }
        context.fireChannelRead(data)
    }
}
