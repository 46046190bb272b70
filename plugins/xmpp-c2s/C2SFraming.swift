import NIOCore
import NIOWebSocket
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// How one client connection's stream is framed on its transport, the thin layer under
/// the negotiation and the session logic, which are the same for both: RFC 6120's single
/// XML stream over TCP, or RFC 7395's one element per WebSocket text message.
enum C2SFraming: Sendable {
    /// RFC 6120 §4: `<stream:stream>` … `</stream:stream>`, whitespace keepalives (§4.6.1).
    case tcp
    /// RFC 7395: `<open/>` and `<close/>` in the framing namespace (§3.4, §3.6), each
    /// element in a text frame of its own and qualified by its namespace (§3.3.3); liveness
    /// by WebSocket pings (RFC 6455 §5.5.2, sent by the HTTP listener), never whitespace.
    case webSocket

    /// The framing the stream machine checks headers against.
    var stream: StreamFraming {
        switch self {
        case .tcp: .tcp
        case .webSocket: .webSocket
        }
    }

    /// Queues `bytes`, one whole element as written inside a TCP stream (or our opening or
    /// closing), on `channel`; over WebSocket in a text frame, standing alone
    /// (`WebSocketFrameEncoder`).
    func write(_ bytes: ByteBuffer, on channel: any Channel, promise: EventLoopPromise<Void>? = nil) {
        switch self {
        case .tcp:
            channel.write(bytes, promise: promise)
        case .webSocket:
            let frame = WebSocketFrame(fin: true, opcode: .text, data: Self.standalone(bytes, allocator: channel.allocator))
            channel.write(frame, promise: promise)
        }
    }

    /// Writes our closing (RFC 6120 §4.4 footer, or RFC 7395 §3.6 `<close/>` and then the
    /// WebSocket's own close, RFC 6455 §5.5.1 with normal closure 1000: the server closes
    /// the connection); `promise` completes with the last write.
    func writeClosing(on channel: any Channel, promise: EventLoopPromise<Void>?) {
        var buffer = channel.allocator.buffer(capacity: 64)
        switch self {
        case .tcp:
            buffer.writeString("</stream:stream>")
            write(buffer, on: channel, promise: promise)
        case .webSocket:
            buffer.writeXML(XMLElement(name: "close", namespace: XMPPNamespace.framing), inheritedNamespace: "")
            write(buffer, on: channel)
            var code = channel.allocator.buffer(capacity: 2)
            code.write(webSocketErrorCode: .normalClosure)
            channel.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: code), promise: promise)
        }
    }

    /// Our opening (RFC 6120 §4.7 header, or RFC 7395 §3.4 `<open/>`).
    func opening(id: String, domain: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        let attributes = [
            XMLAttribute("from", value: domain), XMLAttribute("id", value: id),
            XMLAttribute("version", value: "1.0"), XMLAttribute("lang", namespace: xmlNamespaceURI, value: "en"),
        ]
        var buffer = allocator.buffer(capacity: 256)
        switch self {
        case .tcp:
            buffer.writeBytes(XMPPStreamHeader.bytes(contentNamespace: XMPPNamespace.client, attributes: attributes))
        case .webSocket:
            buffer.writeXML(
                XMLElement(name: "open", namespace: XMPPNamespace.framing, attributes: attributes), inheritedNamespace: "")
        }
        return buffer
    }

    /// Whether the server sends whitespace keepalives and times out a silent client
    /// itself; over WebSocket the listener's pings and their pongs do both.
    var keepsAliveInStream: Bool {
        switch self {
        case .tcp: true
        case .webSocket: false
        }
    }

    /// Whether each element goes out on its own (RFC 7395 §3.3.3) rather than inside a
    /// stream whose header declares the content namespace.
    var elementsStandAlone: Bool {
        switch self {
        case .tcp: false
        case .webSocket: true
        }
    }

    /// `bytes` as RFC 7395 sends it (`WebSocketFrameEncoder.insertion`): the same buffer
    /// when it stands alone already, else one copy with the declaration after the name.
    static func standalone(_ bytes: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard let insertion = bytes.withUnsafeReadableBytes({ WebSocketFrameEncoder.insertion(in: $0) }) else { return bytes }
        var result = allocator.buffer(capacity: bytes.readableBytes + insertion.declaration.utf8.count)
        var head = bytes.getSlice(at: bytes.readerIndex, length: insertion.offset)!
        var tail = bytes.getSlice(at: bytes.readerIndex + insertion.offset, length: bytes.readableBytes - insertion.offset)!
        result.writeBuffer(&head)
        result.writeString(insertion.declaration)
        result.writeBuffer(&tail)
        return result
    }
}
