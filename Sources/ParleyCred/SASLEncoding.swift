/// The byte encodings protocol adapters need around SASL: canonical base64 (RFC 4648 §4,
/// as RFC 6120 §6.4.2 requires) and random identifiers.
public enum SASLEncoding {
    /// Standard base64 with padding.
    public static func base64(_ bytes: [UInt8]) -> String { Bytes.base64(bytes) }

    /// Canonical base64 only; nil for anything else (line breaks, missing padding).
    public static func decodeBase64(_ text: some StringProtocol) -> [UInt8]? { Bytes.decodeBase64(text) }

    /// `bytes` random bytes as lowercase hex: stream ids, generated resource names.
    public static func randomID(bytes: Int = 8) -> String { Bytes.hex(Bytes.random(bytes)) }
}
