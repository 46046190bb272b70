/// Pieces of the SCRAM message syntax, RFC 5802 §7, shared by the server and the client.
enum SCRAMSyntax {
    /// Longest SCRAM message either side accepts: a 1023-byte user name escaped three
    /// times over still fits, and nothing longer is legitimate.
    static let maximumMessageBytes = 4096

    /// saslname encoding, RFC 5802 §5.1: "," becomes "=2C" and "=" becomes "=3D".
    static func escape(_ name: String) -> String {
        var out = ""
        out.reserveCapacity(name.utf8.count)
        for character in name.unicodeScalars {
            switch character {
            case ",": out += "=2C"
            case "=": out += "=3D"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// Undoes `escape`; nil when an "=" is not followed by "2C" or "3D" (RFC 5802 §5.1:
    /// the server MUST fail such a name) or when the result is empty.
    static func unescape(_ saslname: Substring) -> String? {
        var out = ""
        var scalars = saslname.unicodeScalars[...]
        while let first = scalars.popFirst() {
            if first == "=" {
                let code = String(String.UnicodeScalarView(scalars.prefix(2)))
                scalars = scalars.dropFirst(2)
                switch code {
                case "2C": out += ","
                case "3D": out += "="
                default: return nil
                }
            } else {
                out.unicodeScalars.append(first)
            }
        }
        return out.isEmpty ? nil : out
    }

    /// `printable = %x21-2B / %x2D-7E` (RFC 5802 §7): the nonce alphabet.
    static func isValidNonce(_ nonce: Substring) -> Bool {
        !nonce.isEmpty && nonce.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != 0x2C }
    }

    /// `attr-val = ALPHA "=" value` with a non-empty value (an extension, RFC 5802 §7).
    static func isAttributeValue(_ field: Substring) -> Bool {
        let bytes = Array(field.utf8)
        guard bytes.count >= 3, bytes[1] == UInt8(ascii: "=") else { return false }
        let letter = bytes[0] | 0x20
        return letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z")
    }

    /// The value of `field` when it is `<key>=<value>`.
    static func value(of key: Character, in field: Substring) -> Substring? {
        guard field.count >= 2, field.first == key, field.dropFirst().first == "=" else { return nil }
        return field.dropFirst(2)
    }

    /// A random nonce: 18 bytes as 24 base64 characters (no padding, no ",").
    static func randomNonce() -> String {
        Bytes.base64(Bytes.random(18))
    }
}

/// The `server-error-value`s of RFC 5802 §7 that this implementation sends in `e=`.
public enum SCRAMServerError: String, Sendable, Hashable, CaseIterable {
    case invalidEncoding = "invalid-encoding"
    case extensionsNotSupported = "extensions-not-supported"
    case invalidProof = "invalid-proof"
    case channelBindingsDontMatch = "channel-bindings-dont-match"
    case serverDoesSupportChannelBinding = "server-does-support-channel-binding"
    case channelBindingNotSupported = "channel-binding-not-supported"
    case unsupportedChannelBindingType = "unsupported-channel-binding-type"
    case invalidUsernameEncoding = "invalid-username-encoding"
    case otherError = "other-error"

    /// The server-final message `e=<value>`.
    public var serverFinal: String { "e=\(rawValue)" }
}
