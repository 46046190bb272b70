import NIOCore
import NIOWebSocket
import ParleyXML
import ParleyXMPP

/// Hands each message of an RFC 7395 client to its `C2SConnection` on the channel's event
/// loop, as the TCP path hands it parsed events: one text message is one element (§3.2,
/// §3.3.3), parsed alone. ParleyHTTP's `WebSocketMessageHandler`, before it, has already
/// checked the frames, assembled fragments within the stanza limit, refused binary
/// messages (1003) and text that is not UTF-8 (1007), and answers pings.
final class C2SWebSocketFrameHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let connection: C2SConnection
    private let decoder: ParleyXMPP.WebSocketFrameDecoder
    /// Its event loop's parser (`DocumentParsers`), fetched at the first message and kept:
    /// the handler never leaves that loop.
    private var parser: XMLStreamParser?

    init(connection: C2SConnection, limits: XMLLimits) {
        self.connection = connection
        self.decoder = ParleyXMPP.WebSocketFrameDecoder(limits: limits)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        if parser == nil || parser!.internedNames > DocumentParsers.maximumInternedNames {
            parser = DocumentParsers.parser(limits: decoder.limits)
        }
        let result = decoder.decode(message.readableBytesView, parser: parser)
        connection.assumeIsolated { connection in
            switch result {
            case .success(let event): connection.receive(event)
            case .failure(let error): connection.failed(error)
            }
        }
    }

    /// The connection is gone: the session ends (RFC 6121 §4.5.4).
    func channelInactive(context: ChannelHandlerContext) {
        connection.channelInactive()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.assumeIsolated { $0.failed(error) }
    }
}
