import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import TextChatPlugin

@Suite struct LineFrameDecoderTests {
    /// NIO's verifier feeds the input byte by byte, in bulk and in random splits.
    @Test func verifierAcceptsEveryChunking() throws {
        let cases: [(String, [String])] = [
            ("LOGIN alice pw\r\n", ["LOGIN alice pw"]),
            ("a\nb\r\n\r\nc\n", ["a", "b", "", "c"]),
            ("SAY #dev héllo 😀\r\n", ["SAY #dev héllo 😀"]),
        ]
        for (input, lines) in cases {
            try ByteToMessageDecoderVerifier.verifyDecoder(
                stringInputOutputPairs: [(input, lines.map { ByteBuffer(string: $0) })],
                decoderFactory: { LineFrameDecoder(maximumLength: 64) })
        }
    }

    @Test func overlongLineIsRefusedBeforeItsEnd() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLength: 8)))
        #expect(throws: LineFrameDecoder.LineTooLong.self) {
            try channel.writeInbound(ByteBuffer(string: String(repeating: "x", count: 20)))
        }
        _ = try? channel.finish()
    }

    @Test func lineAtTheLimitPasses() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLength: 8)))
        try channel.writeInbound(ByteBuffer(string: "12345678\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "12345678"))
        #expect(try channel.finish().isClean)
    }

    @Test func unterminatedTailIsDropped() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLength: 64)))
        try channel.writeInbound(ByteBuffer(string: "one\npartial"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "one"))
        #expect(try channel.finish().isClean)
    }
}
