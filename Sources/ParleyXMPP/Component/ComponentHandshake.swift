import Crypto

/// The XEP-0114 §3 handshake: the component proves it knows the shared secret by sending
/// the lowercase hex SHA-1 of the stream id the server gave followed by the secret.
public enum ComponentHandshake {
    /// The `<handshake/>` text for `streamID` and `secret`.
    public static func digest(streamID: String, secret: String) -> String {
        let hash = Insecure.SHA1.hash(data: Array((streamID + secret).utf8))
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(40)
        for byte in hash {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `received` is the right handshake, compared in constant time (the router
    /// side must not leak how many characters matched).
    public static func verify(_ received: String, streamID: String, secret: String) -> Bool {
        let expected = Array(digest(streamID: streamID, secret: secret).utf8)
        let given = Array(received.lowercased().utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0
    }
}
