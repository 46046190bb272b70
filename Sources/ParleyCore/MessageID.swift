/// Ids the model mints for the messages it accepts: the XMPP stanza-id (XEP-0359 §3), the
/// IRC `msgid` tag (IRCv3 message-ids) and the key of a history entry. 128 random bits in
/// lowercase base32 (RFC 4648 §6 alphabet, no padding: 26 characters), so ids are unique
/// across rooms, servers and restarts without any shared counter, and safe as an XML
/// attribute, an IRC tag value and a file name.
public enum MessageID {
    /// The RFC 4648 §6 alphabet, lowercased.
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// A new id.
    public static func mint() -> String {
        var generator = SystemRandomNumberGenerator()
        return encode(high: generator.next(), low: generator.next())
    }

    /// The 26-character form of a 128-bit value, most significant bits first.
    static func encode(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 26) { buffer in
            // 26 groups of 5 bits cover 130 bits: the top group holds the two leading zero bits.
            for index in 0..<26 {
                let shift = 125 - 5 * index
                let value: UInt64
                if shift >= 64 {
                    value = high >> UInt64(shift - 64)
                } else if shift > 59 {
                    // The group straddles the two words.
                    value = (high << UInt64(64 - shift)) | (low >> UInt64(shift))
                } else {
                    value = low >> UInt64(shift)
                }
                buffer[index] = alphabet[Int(value & 31)]
            }
            return 26
        }
    }
}
