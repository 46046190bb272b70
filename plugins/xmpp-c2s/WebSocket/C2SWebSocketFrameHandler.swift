import NIOCore
import NIOWebSocket
import ParleyXML
import ParleyXMPP

/// Reads an RFC 7395 client's data frames on the channel's event loop and hands each
/// message straight to its `C2SConnection`, as the TCP path does, instead of through
/// HummingbirdWebSocket's async message stream: no hop to the cooperative pool and back
/// per message, and the connection's writes of one loop turn are flushed together.
/// Control frames (ping, pong, close) go on to HummingbirdWebSocket, which keeps
/// answering pings, sending its own and closing.
///
/// It is put in the pipeline after the upgrade, behind NIO's frame decoder, so frames
/// decoded before it was there went to the async stream. To keep the client's order, the
/// first message it reads waits until the route has taken everything the async stream
/// had: it sends a marker message down the stream (`Markers`) and the route calls
/// `release(_:)` when the marker comes out. The marker goes when a message starts, never
/// between the fragments of one the stream is assembling (RFC 6455 §5.4): the remaining
/// fragments of a message begun before follow it to the stream, and the next message
/// waits for a marker again.
final class C2SWebSocketFrameHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    /// A complete data message from the client.
    private enum ClientMessage {
        case text(ByteBuffer)
        case binary
    }

    private let connection: C2SConnection
    private let decoder: ParleyXMPP.WebSocketFrameDecoder
    private let maximumMessage: Int
    /// The markers it sends down the async stream, which the route recognizes.
    let markers = Markers()

    // Confined to the channel's event loop.
    private var fragments: ByteBuffer?
    private var forwardingFragments = false
    /// The rest of a fragmented binary message, dropped: the connection closes for it.
    private var discardingBinary = false
    /// The client's close frame came: no data after it is read (RFC 6455 §5.5.1).
    private var closeReceived = false
    /// Bytes of the messages in `held`, bounded by `maximumHeldBytes`.
    private var heldBytes = 0
    private var markerCount = 0
    /// Whether the async stream may still hold messages the route has not taken.
    private var streamMayHoldMessages = true
    /// The marker the route has not released yet; while set, messages wait in `held`.
    private var pendingMarker: Int?
    private var held: [ClientMessage] = []
    private var ended = false
    /// This handler's place in the pipeline, while it is in it.
    private var context: ChannelHandlerContext?

    /// Messages held while the route catches up; beyond, the client is not following the
    /// protocol (it does not wait for the server's features) and is disconnected.
    static let maximumHeld = 64
    /// Bytes held at most: two of the largest messages.
    private var maximumHeldBytes: Int { 2 * maximumMessage }

    init(connection: C2SConnection, limits: XMLLimits) {
        self.connection = connection
        self.decoder = ParleyXMPP.WebSocketFrameDecoder(limits: limits)
        self.maximumMessage = limits.maxStanzaBytes
    }

    /// The text of the markers of one connection: a NUL (never in an XML message) and a
    /// random token of its own, so a client cannot forge one.
    struct Markers: Sendable {
        private let token = (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined()

        /// The text of marker `number`.
        func text(_ number: Int) -> String { "\u{0}parley-marker-\(token)-\(number)" }

        /// The marker's number when `text` is one of these markers.
        func number(_ text: String) -> Int? {
            let prefix = "\u{0}parley-marker-\(token)-"
            guard text.hasPrefix(prefix) else { return nil }
            return Int(text.dropFirst(prefix.count))
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !ended else { return }
        let isData = frame.opcode == .text || frame.opcode == .binary || frame.opcode == .continuation
        if isData {
            if closeReceived { return }
            // RFC 6455 §5.2: no extension is negotiated, so a reserved bit fails the connection.
            guard !frame.rsv1, !frame.rsv2, !frame.rsv3 else {
                close(.protocolError, context: context)
                return
            }
        }
        switch frame.opcode {
        case .text where fragments == nil && !forwardingFragments:
            if streamMayHoldMessages { sendMarker(context: context) }
            if frame.fin {
                guard frame.length <= maximumMessage else {
                    close(.messageTooLarge, context: context)
                    return
                }
                complete(.text(frame.unmaskedData), context: context)
            } else {
                fragments = frame.unmaskedData
            }
        case .binary where fragments == nil && !forwardingFragments:
            // Its fragments need not be read: the connection closes once it is its turn.
            if streamMayHoldMessages { sendMarker(context: context) }
            discardingBinary = !frame.fin
            complete(.binary, context: context)
        case .continuation where discardingBinary:
            if frame.fin { discardingBinary = false }
        case .continuation where fragments != nil:
            var data = frame.unmaskedData
            fragments!.writeBuffer(&data)
            guard fragments!.readableBytes <= maximumMessage else {
                close(.messageTooLarge, context: context)
                return
            }
            if frame.fin {
                let message = fragments!
                fragments = nil
                complete(.text(message), context: context)
            }
        case .continuation where forwardingFragments:
            // The rest of a message the async stream began: it goes there too.
            context.fireChannelRead(data)
            if frame.fin {
                forwardingFragments = false
                streamMayHoldMessages = true
            }
        case .continuation:
            context.fireChannelRead(data)
            if frame.fin {
                streamMayHoldMessages = true
            } else {
                forwardingFragments = true
            }
        case .text, .binary:
            // RFC 6455 §5.4: a new data frame in the middle of a fragmented message.
            close(.protocolError, context: context)
        default:
            // Ping, pong and close: HummingbirdWebSocket answers and closes.
            if frame.opcode == .connectionClose { closeReceived = true }
            context.fireChannelRead(data)
        }
    }

    /// Called on the event loop when the route has taken marker `number` off the async
    /// stream: everything read before it has been handed to the connection.
    func release(_ number: Int) {
        guard let context, pendingMarker == number else { return }
        pendingMarker = nil
        while pendingMarker == nil, !held.isEmpty, !ended {
            let message = held.removeFirst()
            if case .text(let bytes) = message { heldBytes -= bytes.readableBytes }
            deliver(message, context: context)
        }
    }

    private func sendMarker(context: ChannelHandlerContext) {
        streamMayHoldMessages = false
        markerCount += 1
        pendingMarker = markerCount
        let text = self.markers.text(markerCount)
        context.fireChannelRead(
            wrapInboundOut(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))))
    }

    private func complete(_ message: ClientMessage, context: ChannelHandlerContext) {
        guard pendingMarker == nil else {
            held.append(message)
            if case .text(let bytes) = message { heldBytes += bytes.readableBytes }
            if held.count > Self.maximumHeld || heldBytes > maximumHeldBytes { close(.policyViolation, context: context) }
            return
        }
        deliver(message, context: context)
    }

    /// One message to the connection, on the loop (RFC 7395 §3.2: text; §3.3.3: one whole
    /// element); a binary one closes with 1003 (RFC 6455 §7.4.1), text that is not UTF-8
    /// with 1007 (§8.1).
    private func deliver(_ message: ClientMessage, context: ChannelHandlerContext) {
        switch message {
        case .binary:
            connection.assumeIsolated { $0.log(.info, "binary WebSocket message: closing with 1003") }
            close(.unacceptableData, context: context)
        case .text(let bytes):
            // Checked in place (UTF8Span, SE-0464): no String is made only to be dropped.
            guard (try? UTF8Span(validating: bytes.readableBytesUInt8Span)) != nil else {
                close(.dataInconsistentWithMessage, context: context)
                return
            }
            let result = decoder.decode(bytes.readableBytesView)
            connection.assumeIsolated { connection in
                switch result {
                case .success(let event): connection.receive(event)
                case .failure(let error): connection.failed(error)
                }
            }
        }
    }

    /// RFC 6455 §5.5.1: our close frame with `code`, then the connection.
    private func close(_ code: WebSocketErrorCode, context: ChannelHandlerContext) {
        guard !ended else { return }
        ended = true
        held.removeAll()
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    typealias OutboundOut = WebSocketFrame
}
