import NIOCore
import NIOEmbedded
import NIOWebSocket
import ParleyXML
import Testing

@testable import XMPPC2SPlugin

/// The event-loop reader of RFC 7395 data frames on an embedded channel: what it refuses
/// before any message reaches the connection (RFC 6455 close codes), the order marker its
/// first message sends down the async stream, and control frames passed on.
@Suite(.serialized) struct C2SWebSocketFrameHandlerTests {
    /// A handler on an embedded channel, in front of a connection of `server`.
    private func handler(_ server: C2SHarness) throws -> (EmbeddedChannel, C2SWebSocketFrameHandler) {
        let channel = EmbeddedChannel()
        let connection = C2SConnection(webSocket: channel, shared: server.shared, overTLS: false)
        var limits = XMLLimits.default
        limits.maxStanzaBytes = 1024
        let handler = C2SWebSocketFrameHandler(connection: connection, limits: limits)
        try channel.pipeline.syncOperations.addHandler(handler)
        return (channel, handler)
    }

    private func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, rsv1: Bool = false) -> WebSocketFrame {
        WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, data: ByteBuffer(bytes: bytes))
    }

    /// The close code of the close frame the handler wrote, if it wrote one.
    private func closeCode(_ channel: EmbeddedChannel) throws -> WebSocketErrorCode? {
        while let written = try channel.readOutbound(as: WebSocketFrame.self) {
            if written.opcode == .connectionClose {
                var data = written.data
                return data.readWebSocketErrorCode()
            }
        }
        return nil
    }

    @Test func reservedBitsFailTheConnection() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let (channel, _) = try handler(server)
        try channel.writeInbound(frame(.text, Array("<presence/>".utf8), rsv1: true))
        #expect(try closeCode(channel) == .protocolError)
    }

    @Test func anUnfragmentedMessageOverTheStanzaLimitIs1009() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let (channel, _) = try handler(server)
        try channel.writeInbound(frame(.text, Array(repeating: UInt8(ascii: "x"), count: 2000)))
        #expect(try closeCode(channel) == .messageTooLarge)
    }

    /// The first message waits for its marker; released, text that is not UTF-8 is 1007
    /// (RFC 6455 §8.1), checked before the connection sees it. (Binary's 1003 is in
    /// WebSocketInteropTests: it is logged through the connection, which needs a real loop.)
    @Test func heldUntilTheMarkerThenInvalidUTF8Is1007() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let (channel, handler) = try handler(server)
        try channel.writeInbound(frame(.text, [0x3C, 0xFF, 0xFE, 0x3E]))
        let marker = try #require(try channel.readInbound(as: WebSocketFrame.self))
        #expect(handler.markers.number(String(buffer: marker.data)) == 1)
        #expect(try closeCode(channel) == nil, "nothing decided while the message waits")
        handler.release(1)
        #expect(try closeCode(channel) == .dataInconsistentWithMessage)
    }

    @Test func controlFramesGoOnAndNoMarkerWithoutAMessage() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let (channel, _) = try handler(server)
        try channel.writeInbound(frame(.ping, [7]))
        let passed = try #require(try channel.readInbound(as: WebSocketFrame.self))
        #expect(passed.opcode == .ping && passed.data == ByteBuffer(bytes: [7]))
        #expect(try channel.readInbound(as: WebSocketFrame.self) == nil)
        #expect(try closeCode(channel) == nil)
    }
}
