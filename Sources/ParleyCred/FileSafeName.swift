import Crypto
import ParleyCore

/// The file name of a user's files (docs/storage.md): the normalized name's UTF-8 bytes,
/// each byte outside `[a-z0-9._-]` written `%XX` (upper-case hex), and a leading `.` too,
/// so no name is hidden, special (`..`) or able to leave the directory. A name whose
/// encoding exceeds 200 bytes is cut and given `~` and 32 hex digits of its SHA-256 (a
/// literal `~` is always encoded, so the two forms cannot collide).
public enum FileSafeName {
    static let maximumBytes = 200

    public static func encode(_ user: Username) -> String {
        encode(name: user.value)
    }

    /// The same encoding for any normalized name (a room's key).
    public static func encode(name: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for (index, byte) in name.utf8.enumerated() {
            let plain =
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || (byte == UInt8(ascii: ".") && index > 0)
            if plain {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            }
        }
        if out.count > maximumBytes {
            var cut = 150
            // Do not split a %XX escape.
            while cut > 0, out[cut - 1] == UInt8(ascii: "%") || (cut > 1 && out[cut - 2] == UInt8(ascii: "%")) { cut -= 1 }
            let digest = Bytes.hex(SHA256.hash(data: Array(name.utf8))).prefix(32)
            return String(decoding: out[0..<cut], as: UTF8.self) + "~" + digest
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The user of a file name stem, or nil when it is not an `encode` result that can be
    /// reversed (a hashed long name: read the file to learn it).
    static func decode(_ stem: Substring) -> Username? {
        var bytes: [UInt8] = []
        var iterator = stem.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else if byte == UInt8(ascii: "~") {
                return nil
            } else {
                bytes.append(byte)
            }
        }
        guard let text = Bytes.utf8String(bytes), let user = Username(text), encode(user) == stem else { return nil }
        return user
    }
}
