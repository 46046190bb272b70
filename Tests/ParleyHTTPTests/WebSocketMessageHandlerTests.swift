import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import ParleyHTTP

/// The server side of RFC 6455 on an embedded channel: what passes on (whole, unmasked,
/// UTF-8 text messages, as bytes), what is answered (pings, the closing handshake), and the close
/// code of everything it refuses.
@Suite struct WebSocketMessageHandlerTests {
    private let limits = HTTPWebSocketLimits(maximumMessageSize: 16, maximumFragments: 3, pingInterval: 10)

    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketMessageHandler(limits: limits))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// A client's frame (§5.3: masked; the key here is random, the payload masked with it).
    private func frame(
        _ opcode: WebSocketOpcode, _ text: String, fin: Bool = true, rsv1: Bool = false, masked: Bool = true
    ) -> WebSocketFrame {
        frame(opcode, Array(text.utf8), fin: fin, rsv1: rsv1, masked: masked)
    }

    private func frame(
        _ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, rsv1: Bool = false, masked: Bool = true
    ) -> WebSocketFrame {
        var data = ByteBuffer(bytes: bytes)
        guard masked else { return WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, data: data) }
        let key = WebSocketMaskingKey.random()
        data.webSocketMask(key)
        return WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, maskKey: key, data: data)
    }

    /// The next frame the handler wrote.
    private func written(_ channel: EmbeddedChannel) throws -> WebSocketFrame? {
        try channel.readOutbound(as: WebSocketFrame.self)
    }

    /// The close code of the first close frame written, if any.
    private func closeCode(_ channel: EmbeddedChannel) throws -> WebSocketErrorCode? {
        while let frame = try written(channel) {
            if frame.opcode == .connectionClose {
                var data = frame.data
                return data.readWebSocketErrorCode()
            }
        }
        return nil
    }

    @Test func aTextMessageInFragmentsComesOutWholeAndUnmasked() throws {
        let channel = try channel()
        try channel.writeInbound(frame(.text, "<mess", fin: false))
        try channel.writeInbound(frame(.ping, "p"))
        try channel.writeInbound(frame(.continuation, "age/>"))
        let message = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(String(buffer: message) == "<message/>")
        // §5.4: a control frame may come between fragments; its pong goes out at once.
        let pong = try #require(try written(channel))
        #expect(pong.opcode == .pong && String(buffer: pong.data) == "p")
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }

    /// §5.3: every length, so the eight-byte steps and the bytes after them are both used.
    @Test func unmaskingGivesBackThePayload() throws {
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 100] {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let unmasked = WebSocketMessageHandler.unmasked(frame(.text, payload), allocator: ByteBufferAllocator())
            #expect(Array(unmasked.readableBytesView) == payload, "length \(length)")
        }
    }

    @Test func anUnmaskedFrameIs1002() throws {
        let channel = try channel()
        try channel.writeInbound(frame(.text, "<a/>", masked: false))
        #expect(try closeCode(channel) == .protocolError)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }

    @Test func aReservedBitIs1002() throws {
        let channel = try channel()
        try channel.writeInbound(frame(.text, "<a/>", rsv1: true))
        #expect(try closeCode(channel) == .protocolError)
    }

    @Test func aContinuationWithoutAStartOrANewMessageInsideOneIs1002() throws {
        let lone = try channel()
        try lone.writeInbound(frame(.continuation, "x"))
        #expect(try closeCode(lone) == .protocolError)
        let interleaved = try channel()
        try interleaved.writeInbound(frame(.text, "<a", fin: false))
        try interleaved.writeInbound(frame(.text, "<b/>"))
        #expect(try closeCode(interleaved) == .protocolError)
    }

    @Test func aBinaryMessageIs1003() throws {
        let channel = try channel()
        try channel.writeInbound(frame(.binary, [0, 1, 2]))
        #expect(try closeCode(channel) == .unacceptableData)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }

    @Test func textThatIsNotUTF8Is1007() throws {
        let channel = try channel()
        try channel.writeInbound(frame(.text, [0x3C, 0xFF, 0xFE, 0x3E]))
        #expect(try closeCode(channel) == .dataInconsistentWithMessage)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }

    @Test func messagesOverTheBoundOrInTooManyFragmentsAre1009() throws {
        let single = try channel()
        try single.writeInbound(frame(.text, String(repeating: "x", count: 17)))
        #expect(try closeCode(single) == .messageTooLarge)
        let assembled = try channel()
        try assembled.writeInbound(frame(.text, String(repeating: "x", count: 10), fin: false))
        try assembled.writeInbound(frame(.continuation, String(repeating: "x", count: 10)))
        #expect(try closeCode(assembled) == .messageTooLarge)
        let many = try channel()
        try many.writeInbound(frame(.text, "x", fin: false))
        for _ in 0..<2 { try many.writeInbound(frame(.continuation, "x", fin: false)) }
        #expect(try closeCode(many) == nil, "three fragments are allowed")
        try many.writeInbound(frame(.continuation, "x"))
        #expect(try closeCode(many) == .messageTooLarge)
    }

    /// §5.5.1: the client's close is answered with its code, then the connection ends; no
    /// data after it is read.
    @Test func theClosingHandshakeEchoesTheCode() throws {
        let channel = try channel()
        var code = ByteBuffer()
        code.write(webSocketErrorCode: .goingAway)
        let key = WebSocketMaskingKey.random()
        code.webSocketMask(key)
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: key, data: code))
        #expect(try closeCode(channel) == .goingAway)
        #expect(!channel.isActive)
    }

    /// §5.5.1, §7.4: a close body of one byte, a code no peer may send, or a reason that is
    /// not UTF-8 fails the connection instead of being echoed; an empty close is answered
    /// with an empty one.
    @Test func aBadCloseFrameFailsTheConnection() throws {
        for (body, expected) in [
            ([UInt8(3)], WebSocketErrorCode.protocolError), ([0x03, 0xED], .protocolError),  // 1005
            ([0x03, 0xE8, 0xFF, 0xFE], .dataInconsistentWithMessage), ([0x0B, 0xB8], WebSocketErrorCode(codeNumber: 3000)),
        ] {
            let channel = try channel()
            try channel.writeInbound(frame(.connectionClose, body))
            #expect(try closeCode(channel) == expected, "\(body)")
        }
        let empty = try channel()
        try empty.writeInbound(frame(.connectionClose, [UInt8]()))
        let answer = try #require(try written(empty))
        #expect(answer.opcode == .connectionClose && answer.data.readableBytes == 0)
    }

    /// §7.1.1: after an endpoint's own close frame, a peer that never answers is dropped
    /// once `closeTimeout` has passed.
    @Test func ourCloseIsFollowedByTheConnectionsEnd() throws {
        let channel = try channel()
        var code = ByteBuffer()
        code.write(webSocketErrorCode: .normalClosure)
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aZeroPingIntervalSendsNoPings() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            WebSocketMessageHandler(limits: HTTPWebSocketLimits(maximumMessageSize: 16, pingInterval: 0)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(120))
        #expect(try written(channel) == nil)
        #expect(channel.isActive)
    }

    /// §5.5.2: a ping each interval; a peer that has not answered the last one by the next
    /// is disconnected, one that answers is not.
    @Test func pingsAndADeadPeerDisconnected() throws {
        let channel = try channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try written(channel)?.opcode == .ping)
        try channel.writeInbound(frame(.pong, "parley"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try written(channel)?.opcode == .ping)
        #expect(channel.isActive, "it answered the first ping")
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(!channel.isActive, "no answer to the second ping")
    }
}
