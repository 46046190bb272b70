import NIOCore
import NIOEmbedded
import NIOTestUtils
import ParleyIRC
import ParleyIRCNIO
import Testing

@Suite struct IRCLineDecoderTests {
    @Test func verifierWithCRLFAndBareLF() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("PING :x\r\n", [IRCLine("PING :x")]),
                ("NICK a\nUSER a 0 * :A\r\n", [IRCLine("NICK a"), IRCLine("USER a 0 * :A")]),
                ("\r\n", [IRCLine("")]),
                ("\n\n", [IRCLine(""), IRCLine("")]),
                ("PRIVMSG #c :caf\u{E9} \u{2603}\r\n", [IRCLine("PRIVMSG #c :caf\u{E9} \u{2603}")]),
                ("A\rB\r\r\n", [IRCLine("A\rB\r")]),  // only the CR right before LF is dropped
            ],
            decoderFactory: { IRCLineDecoder() })
    }

    @Test func lineAtTheLimitIsAccepted() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(IRCLineDecoder(maximumLineBytes: 16)))
        try channel.writeInbound(ByteBuffer(string: String(repeating: "x", count: 14) + "\r\n"))
        #expect(try channel.readInbound(as: IRCLine.self) == IRCLine(String(repeating: "x", count: 14)))
        try channel.writeInbound(ByteBuffer(string: String(repeating: "y", count: 15) + "\n"))
        #expect(try channel.readInbound(as: IRCLine.self) == IRCLine(String(repeating: "y", count: 15)))
        #expect(try channel.finish().isClean)
    }

    /// The error comes as soon as the limit is buffered without an LF, before the line ends.
    @Test func overlongLineThrowsWithoutEmitting() throws {
        let limit = IRCLimits.maximumLineBytes
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(IRCLineDecoder()))
        try channel.writeInbound(ByteBuffer(string: String(repeating: "x", count: limit - 1)))
        #expect(try channel.readInbound(as: IRCLine.self) == nil)
        #expect(throws: IRCLineTooLongError(limit: limit)) {
            try channel.writeInbound(ByteBuffer(string: "x"))
        }
        #expect(try channel.readInbound(as: IRCLine.self) == nil)
        #expect(IRCLineTooLongError(limit: limit).description.contains("\(limit)"))
        _ = try? channel.finish()
    }

    @Test func overlongLineWithItsLFInOneReadThrows() throws {
        var decoder = IRCLineDecoder(maximumLineBytes: 8)
        var buffer = ByteBuffer(string: "1234567\r\nrest")
        #expect(throws: IRCLineTooLongError(limit: 8)) { try decoder.nextLine(from: &buffer) }
        var fits = ByteBuffer(string: "123456\r\nrest")
        #expect(try decoder.nextLine(from: &fits) == IRCLine("123456"))
        #expect(try decoder.nextLine(from: &fits) == nil)
        #expect(fits.readableBytes == 4)
    }

    /// `nextFrame` drops an over-long line as it arrives, in any number of reads, reports it
    /// once its LF comes, and goes on with the next line.
    @Test func overlongLineIsSkippedAndReportedOnce() throws {
        var decoder = IRCLineDecoder(maximumLineBytes: 8)
        var first = ByteBuffer(string: "0123456789")
        #expect(decoder.nextFrame(from: &first) == nil)
        #expect(first.readableBytes == 0)
        var second = ByteBuffer(string: "abcdef\r\nPING x\r\n")
        guard case .tooLong? = decoder.nextFrame(from: &second) else {
            Issue.record("expected the over-long line to be reported")
            return
        }
        guard case .line(let line)? = decoder.nextFrame(from: &second) else {
            Issue.record("expected the next line")
            return
        }
        #expect(line == IRCLine("PING x"))
        #expect(decoder.nextFrame(from: &second) == nil)
    }

    @Test func unterminatedTailAtEOFIsDropped() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(IRCLineDecoder()))
        try channel.writeInbound(ByteBuffer(string: "PING a\r\nPING b"))
        #expect(try channel.readInbound(as: IRCLine.self) == IRCLine("PING a"))
        #expect(try channel.finish().isClean)
    }

    @Test func utf8CharacterSplitAcrossTwoReadsDecodes() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(IRCLineDecoder()))
        let bytes = Array("PRIVMSG #c :\u{2603}!\r\n".utf8)
        let split = bytes.firstIndex(of: 0xE2)! + 1  // inside the snowman's three bytes
        try channel.writeInbound(ByteBuffer(bytes: bytes[..<split]))
        #expect(try channel.readInbound(as: IRCLine.self) == nil)
        try channel.writeInbound(ByteBuffer(bytes: bytes[split...]))
        let line = try #require(try channel.readInbound(as: IRCLine.self))
        let decoded = line.decoded()
        #expect(decoded.text == "PRIVMSG #c :\u{2603}!")
        #expect(!decoded.usedFallback)
        #expect(try line.message().parameters == ["#c", "\u{2603}!"])
        #expect(try channel.finish().isClean)
    }

    @Test func invalidUTF8FallsBackToLatin1() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(IRCLineDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: Array("PRIVMSG #c :caf".utf8) + [0xE9, 0x0D, 0x0A]))
        let line = try #require(try channel.readInbound(as: IRCLine.self))
        let decoded = line.decoded()
        #expect(decoded.text == "PRIVMSG #c :caf\u{E9}")
        #expect(decoded.usedFallback)
        #expect(line.decoded(fallback: .windows1252).text == "PRIVMSG #c :caf\u{E9}")
        #expect(try channel.finish().isClean)
    }

    @Test func encoderWritesTheSerializedFormWithCRLF() throws {
        let messages = [
            IRCMessage(
                tags: [IRCTag("time", "2026-01-01T00:00:00.000Z"), IRCTag("+x", "a; b\\"), IRCTag("flag")],
                source: "n!u@h", command: "PRIVMSG", parameters: ["#c", "hello world"]),
            IRCMessage(command: "PING", parameters: ["x"]),
            IRCMessage(command: "AWAY", parameters: [""]),
        ]
        for message in messages {
            var buffer = ByteBuffer()
            let written = buffer.writeIRCMessage(message)
            #expect(buffer.readString(length: buffer.readableBytes) == message.serialized() + "\r\n")
            #expect(written == message.serialized().utf8.count + 2)
        }
        let channel = EmbeddedChannel(handler: MessageToByteHandler(IRCMessageEncoder()))
        try channel.writeOutbound(messages[1])
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "PING x\r\n"))
        #expect(try channel.finish().isClean)
    }
}
