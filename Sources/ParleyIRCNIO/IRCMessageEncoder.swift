import NIOCore
import ParleyIRC

extension ByteBuffer {
    /// Writes `message` and CR LF straight into the buffer, with no intermediate String:
    /// the same bytes as `message.serialized() + "\r\n"`. Returns the bytes written. The
    /// message is made wire safe first (`IRCMessage.wireSafe()`): whatever it holds, exactly
    /// one line of at most 512 bytes (without tags) is written.
    @discardableResult
    public mutating func writeIRCMessage(_ message: IRCMessage) -> Int {
        let message = message.wireSafe()
        let start = writerIndex
        if !message.tags.isEmpty {
            writeInteger(UInt8(ascii: "@"))
            for (index, tag) in message.tags.enumerated() {
                if index > 0 { writeInteger(UInt8(ascii: ";")) }
                writeString(tag.key)
                if let value = tag.value, !value.isEmpty {
                    writeInteger(UInt8(ascii: "="))
                    writeEscapedTagValue(value)
                }
            }
            writeInteger(UInt8(ascii: " "))
        }
        if let source = message.source {
            writeInteger(UInt8(ascii: ":"))
            writeString(source)
            writeInteger(UInt8(ascii: " "))
        }
        writeString(message.command)
        let last = message.parameters.count - 1
        for (index, parameter) in message.parameters.enumerated() {
            writeInteger(UInt8(ascii: " "))
            if index == last, IRCMessage.needsTrailingColon(parameter) { writeInteger(UInt8(ascii: ":")) }
            writeString(parameter)
        }
        writeStaticString("\r\n")
        return writerIndex - start
    }

    /// IRCv3 message-tags escaping, byte by byte (all escaped characters are ASCII).
    private mutating func writeEscapedTagValue(_ value: String) {
        guard value.utf8.contains(where: { $0 == 0x3B || $0 == 0x20 || $0 == 0x5C || $0 == 0x0D || $0 == 0x0A })
        else {
            writeString(value)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x3B: writeStaticString("\\:")
            case 0x20: writeStaticString("\\s")
            case 0x5C: writeStaticString("\\\\")
            case 0x0D: writeStaticString("\\r")
            case 0x0A: writeStaticString("\\n")
            default: writeInteger(byte)
            }
        }
    }
}

/// Encodes outbound `IRCMessage`s as lines ending in CR LF (RFC 1459 §2.3).
public struct IRCMessageEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = IRCMessage

    public init() {}

    public func encode(data: IRCMessage, out: inout ByteBuffer) throws {
        out.writeIRCMessage(data)
    }
}
