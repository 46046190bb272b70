/// Decoding one line's bytes. IRC has no declared encoding: modern clients send UTF-8, old
/// ones a legacy 8-bit charset. Lines that are valid UTF-8 decode as UTF-8; others fall
/// back to a single-byte charset, so no byte is ever lost or replaced.
// COMPAT: legacy clients (mIRC defaults, old irssi setups) still send Latin-1/CP1252.
public enum IRCTextDecoding {
    /// The single-byte charset used when a line is not valid UTF-8.
    public enum Fallback: String, Sendable, Hashable, CaseIterable {
        /// ISO-8859-1: each byte is the code point of the same value.
        case latin1 = "latin1"
        /// Windows-1252: Latin-1 with printable characters in 0x80–0x9F.
        case windows1252 = "windows-1252"
    }

    /// The text of `bytes`, and whether the fallback charset was used.
    public static func decode(
        _ bytes: some Collection<UInt8>, fallback: Fallback = .latin1
    ) -> (text: String, usedFallback: Bool) {
        let decoded = bytes.withContiguousStorageIfAvailable { decode(buffer: $0, fallback: fallback) }
        return decoded ?? Array(bytes).withUnsafeBufferPointer { decode(buffer: $0, fallback: fallback) }
    }

    /// As `decode(_:fallback:)`, over a raw buffer (for NIO's `ByteBuffer`).
    public static func decode(
        buffer: UnsafeBufferPointer<UInt8>, fallback: Fallback = .latin1
    ) -> (text: String, usedFallback: Bool) {
        if let text = String(validating: buffer, as: UTF8.self) { return (text, false) }
        var text = ""
        text.reserveCapacity(buffer.count * 2)
        for byte in buffer {
            text.unicodeScalars.append(scalar(for: byte, fallback: fallback))
        }
        return (text, true)
    }

    /// The code point one byte stands for in `fallback`.
    public static func scalar(for byte: UInt8, fallback: Fallback) -> Unicode.Scalar {
        if fallback == .windows1252, byte >= 0x80, byte <= 0x9F, let mapped = windows1252High[Int(byte - 0x80)] {
            return mapped
        }
        return Unicode.Scalar(byte)
    }

    /// Windows-1252 0x80–0x9F (the WHATWG Encoding Standard's index); the five undefined
    /// positions map to the C1 control of the same value, as WHATWG does.
    private static let windows1252High: [Unicode.Scalar?] = [
        "\u{20AC}", nil, "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
        "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", nil, "\u{017D}", nil,
        nil, "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
        "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", nil, "\u{017E}", "\u{0178}",
    ]
}
