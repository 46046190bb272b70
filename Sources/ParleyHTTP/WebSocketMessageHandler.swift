import NIOCore
import NIOWebSocket

/// The server side of RFC 6455 between NIO's frame decoder and an endpoint, on the event
/// loop: it checks each frame, answers and sends pings, takes part in the closing
/// handshake, assembles fragments within the endpoint's bounds and passes on each whole
/// text message as one `ByteBuffer` (unmasked, valid UTF-8). What breaks
/// the protocol closes the connection with its code: an unmasked frame or a reserved bit
/// 1002, a binary message 1003 (the endpoints here speak text), text that is not UTF-8
/// 1007, a message over the bound 1009.
final class WebSocketMessageHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let limits: HTTPWebSocketLimits
    // Confined to the channel's event loop.
    private var fragments: ByteBuffer?
    private var fragmentCount = 0
    private var closeSent = false
    private var closeReceived = false
    private var awaitingPong = false
    private var pings: RepeatedTask?

    init(limits: HTTPWebSocketLimits) {
        self.limits = limits
    }

    /// Seconds the peer has to answer our close frame before the connection is dropped
    /// (RFC 6455 §7.1.1: the server may then close the TCP connection itself).
    static let closeTimeout: TimeAmount = .seconds(5)

    func handlerAdded(context: ChannelHandlerContext) {
        // RFC 6455 §5.5.2: a ping after each interval; no pong by the next one, the peer is gone.
        guard limits.pingInterval > 0 else { return }
        let interval = TimeAmount.milliseconds(Int64(limits.pingInterval * 1000))
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pings = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (handler, context) = loopBound.value
            handler.ping(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        pings?.cancel()
        pings = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        pings?.cancel()
        pings = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !closeReceived else { return }
        // §5.1: a client masks every frame; §5.2: no extension was negotiated, so no reserved bit.
        guard frame.maskKey != nil, !frame.rsv1, !frame.rsv2, !frame.rsv3 else {
            fail(.protocolError, context: context)
            return
        }
        switch frame.opcode {
        case .ping:
            // §5.5.3: a pong with the ping's application data, unless we are closing.
            guard !closeSent else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: Self.unmasked(frame, allocator: context.channel.allocator))), promise: nil)
        case .pong:
            awaitingPong = false
        case .connectionClose:
            closeReceived = true
            if closeSent {
                context.close(promise: nil)
                return
            }
            // §5.5.1: answer with a close frame echoing the code, then the TCP connection ends;
            // a body that is one byte, a code no endpoint may send (§7.4) or a reason that is
            // not UTF-8 fails the connection instead.
            var body = Self.unmasked(frame, allocator: context.channel.allocator)
            guard body.readableBytes != 1 else {
                fail(.protocolError, context: context)
                return
            }
            var answer = context.channel.allocator.buffer(capacity: 2)
            if let code = body.readInteger(as: UInt16.self) {
                guard Self.mayBeSent(code) else {
                    fail(.protocolError, context: context)
                    return
                }
                guard (try? UTF8Span(validating: body.readableBytesUInt8Span)) != nil else {
                    fail(.dataInconsistentWithMessage, context: context)
                    return
                }
                answer.writeInteger(code)
            }
            sendClose(answer, context: context)
        case .text, .binary:
            guard !closeSent else { return }
            // §5.4: a new message in the middle of a fragmented one.
            guard fragments == nil else {
                fail(.protocolError, context: context)
                return
            }
            guard frame.opcode == .text else {
                fail(.unacceptableData, context: context)
                return
            }
            if frame.fin {
                deliver(Self.unmasked(frame, allocator: context.channel.allocator), context: context)
            } else {
                fragments = Self.unmasked(frame, allocator: context.channel.allocator)
                fragmentCount = 1
            }
        case .continuation:
            guard !closeSent else { return }
            guard var message = fragments else {
                fail(.protocolError, context: context)
                return
            }
            fragments = nil
            var data = Self.unmasked(frame, allocator: context.channel.allocator)
            message.writeBuffer(&data)
            fragmentCount += 1
            guard message.readableBytes <= limits.maximumMessageSize, fragmentCount <= limits.maximumFragments else {
                fail(.messageTooLarge, context: context)
                return
            }
            if frame.fin {
                deliver(message, context: context)
            } else {
                fragments = message
            }
        default:
            fail(.protocolError, context: context)
        }
    }

    /// An endpoint's own close frame (RFC 7395's `<close/>` and 1000, the JSON API's codes):
    /// noted, so the peer's answer ends the connection, which ends anyway after `closeTimeout`.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !closeSent, unwrapOutboundIn(data).opcode == .connectionClose {
            closeSent = true
            scheduleCloseTimeout(context: context)
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's protocol error handler, before this one, has already closed with the code.
        if error is NIOWebSocketError { return }
        context.fireErrorCaught(error)
    }

    /// §8.1: a text message is UTF-8, checked in place (UTF8Span, SE-0464).
    private func deliver(_ message: ByteBuffer, context: ChannelHandlerContext) {
        guard message.readableBytes <= limits.maximumMessageSize else {
            fail(.messageTooLarge, context: context)
            return
        }
        guard (try? UTF8Span(validating: message.readableBytesUInt8Span)) != nil else {
            fail(.dataInconsistentWithMessage, context: context)
            return
        }
        context.fireChannelRead(wrapInboundOut(message))
    }

    /// A client frame's payload unmasked (RFC 6455 §5.3), copied once from the frame into
    /// a buffer of its own, eight bytes at a time.
    static func unmasked(_ frame: WebSocketFrame, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard let key = frame.maskKey else { return frame.data }
        let data = frame.data
        let count = data.readableBytes
        var result = allocator.buffer(capacity: count)
        // The key twice over, as the eight bytes it masks in memory order (no allocation).
        let keyWord = withUnsafeBytes(of: (key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3])) {
            $0.loadUnaligned(as: UInt64.self)
        }
        data.withUnsafeReadableBytes { source in
            result.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target in
                var index = 0
                while index + 8 <= count {
                    let word = source.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ keyWord
                    target.storeBytes(of: word, toByteOffset: index, as: UInt64.self)
                    index += 8
                }
                while index < count {
                    target[index] = source[index] ^ key[index & 3]
                    index += 1
                }
                return count
            }
        }
        return result
    }

    private func ping(context: ChannelHandlerContext) {
        guard context.channel.isActive, !closeSent else { return }
        if awaitingPong {
            context.close(promise: nil)
            return
        }
        awaitingPong = true
        let payload = context.channel.allocator.buffer(string: "parley")
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: payload)), promise: nil)
    }

    /// §7.1.7: fail the connection: our close frame with `code`, then the connection.
    private func fail(_ code: WebSocketErrorCode, context: ChannelHandlerContext) {
        fragments = nil
        guard !closeSent else {
            context.close(promise: nil)
            return
        }
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        sendClose(data, context: context)
    }

    /// Our close frame with `body`, then the connection ends once it is written, or after
    /// `closeTimeout` if the peer does not read it.
    private func sendClose(_ body: ByteBuffer, context: ChannelHandlerContext) {
        closeSent = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: body)))
            .whenComplete { _ in channel.close(promise: nil) }
        scheduleCloseTimeout(context: context)
    }

    private func scheduleCloseTimeout(context: ChannelHandlerContext) {
        let channel = context.channel
        context.eventLoop.scheduleTask(in: Self.closeTimeout) { channel.close(promise: nil) }
    }

    /// §7.4.1, §7.4.2: the codes a peer may put in a close frame (1005, 1006 and 1015 are
    /// for reports only, others below 3000 are unassigned or reserved).
    static func mayBeSent(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 1012...1014, 3000...4999: true
        default: false
        }
    }
}
