import NIOCore
import ParleyIRC

/// One framed IRC line: its raw bytes without the LF or the CR before it. Framing never
/// decodes text, so the reader chooses how (UTF-8 with a per-network fallback charset,
/// see `IRCTextDecoding`), and a UTF-8 character split across two TCP reads is whole.
public struct IRCLine: Sendable, Hashable {
    public var bytes: ByteBuffer

    public init(bytes: ByteBuffer) {
        self.bytes = bytes
    }

    public init(_ text: String) {
        self.bytes = ByteBuffer(string: text)
    }

    /// The text, as UTF-8 or else `fallback`, and whether the fallback was used.
    public func decoded(fallback: IRCTextDecoding.Fallback = .latin1) -> (text: String, usedFallback: Bool) {
        bytes.withUnsafeReadableBytes { raw in
            IRCTextDecoding.decode(buffer: raw.assumingMemoryBound(to: UInt8.self), fallback: fallback)
        }
    }

    /// The message on this line, decoded with `fallback` when not UTF-8.
    public func message(fallback: IRCTextDecoding.Fallback = .latin1) throws(IRCParseError) -> IRCMessage {
        try IRCMessage(parsing: decoded(fallback: fallback).text)
    }
}
