import Crypto

/// The XEP-0114 §3 handshake: the component proves it knows the shared secret by sending
/// the lowercase hex SHA-1 of the stream id the server gave followed by the secret. It
/// lives with the other credential proofs (SCRAM, PLAIN) so that the router checks it
/// the same way.
public enum ComponentHandshake {
    /// The `<handshake/>` text for `streamID` and `secret`.
    public static func digest(streamID: String, secret: String) -> String {
        Bytes.hex(Insecure.SHA1.hash(data: Array((streamID + secret).utf8)))
    }

    /// Whether `received` is the right handshake, compared in constant time (the router
    /// side must not leak how many characters matched).
    public static func verify(_ received: String, streamID: String, secret: String) -> Bool {
        Bytes.constantTimeEqual(Array(received.lowercased().utf8), Array(digest(streamID: streamID, secret: secret).utf8))
    }
}
