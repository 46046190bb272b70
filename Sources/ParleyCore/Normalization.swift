import Foundation

/// The string preparation every identifier uses: Unicode NFC, optionally after case
/// folding. ASCII text, by far the common case on the per-stanza path, skips Foundation's
/// normalizer: NFC leaves ASCII unchanged and its case folding is a byte map.
public enum Normalization {
    /// NFC.
    public static func nfc(_ text: String) -> String {
        isASCII(text) ? text : text.precomposedStringWithCanonicalMapping
    }

    /// Lowercase, then NFC (RFC 8265 §3.3.2 order: case mapping can undo NFC).
    public static func foldedNFC(_ text: String) -> String {
        guard isASCII(text) else { return text.lowercased().precomposedStringWithCanonicalMapping }
        guard text.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return text }
        return String(decoding: text.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Whether every byte is ASCII (then NFC and case folding are trivial).
    @inline(__always)
    public static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }
}
