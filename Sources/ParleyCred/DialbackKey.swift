import Crypto

/// Server Dialback keys (XEP-0185 §3, used by XEP-0220): the originating server proves it
/// is authoritative for its domain by a key that only its own servers can compute again.
/// The key is HMAC-SHA256 keyed with the hex SHA-256 of a secret the originating side
/// keeps, over "Receiving Server, space, Originating Server, space, Stream ID", in hex.
public enum DialbackKey {
    /// The key for the stream `streamID` that `receiving` opened to `originating`.
    public static func key(secret: String, receiving: String, originating: String, streamID: String) -> String {
        let hashedSecret = Bytes.hex(SHA256.hash(data: Array(secret.utf8)))
        let message = "\(receiving) \(originating) \(streamID)"
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array(message.utf8), using: SymmetricKey(data: Array(hashedSecret.utf8)))
        return Bytes.hex(Array(mac))
    }

    /// Whether `received` is the key this secret gives, compared in constant time.
    public static func verify(
        _ received: String, secret: String, receiving: String, originating: String, streamID: String
    ) -> Bool {
        let expected = key(secret: secret, receiving: receiving, originating: originating, streamID: streamID)
        return Bytes.constantTimeEqual(Array(received.lowercased().utf8), Array(expected.utf8))
    }
}
