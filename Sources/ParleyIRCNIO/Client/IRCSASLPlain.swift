/// SASL PLAIN over `AUTHENTICATE` (IRCv3 sasl-3.1, RFC 4616): the response
/// `authzid NUL authcid NUL password`, base64-encoded and cut into 400-byte lines; a
/// final `+` when the last line is exactly 400 bytes (or the response is empty).
public enum IRCSASLPlain {
    /// The longest AUTHENTICATE payload per line (IRCv3 sasl-3.1).
    public static let chunkSize = 400

    /// The AUTHENTICATE parameters that carry the PLAIN response for `account`.
    public static func chunks(account: String, password: String, authorizationIdentity: String = "") -> [String] {
        let response = Array(authorizationIdentity.utf8) + [0] + Array(account.utf8) + [0] + Array(password.utf8)
        return split(base64(response))
    }

    /// Cuts an encoded response into AUTHENTICATE payloads.
    public static func split(_ encoded: String) -> [String] {
        let bytes = Array(encoded.utf8)
        var chunks: [String] = stride(from: 0, to: bytes.count, by: chunkSize).map {
            String(decoding: bytes[$0..<min($0 + chunkSize, bytes.count)], as: UTF8.self)
        }
        if bytes.count % chunkSize == 0 { chunks.append("+") }
        return chunks
    }

    /// RFC 4648 §4 base64 with padding.
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
