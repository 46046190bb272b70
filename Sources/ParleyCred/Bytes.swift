import Crypto
import Foundation

/// Byte helpers shared by the mechanisms and the store.
enum Bytes {
    /// Compares without an early exit, so the time taken does not depend on where the
    /// first difference is (lengths are public: they depend on the algorithm only).
    @inline(never)
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }

    /// `constantTimeEqual` for a buffer and an array.
    @inline(never)
    static func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }

    /// `count` random characters of lowercase base32 (RFC 4648 §6 alphabet), 5 bits each.
    static func randomBase32(_ count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
        // 256 is a multiple of 32: the low five bits of a random byte are uniform.
        return String(decoding: random(count).map { alphabet[Int($0 & 31)] }, as: UTF8.self)
    }

    /// `count` bytes from the system's secure random generator.
    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = generator.next()
            for _ in 0..<8 where index < count {
                bytes[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return bytes
    }

    /// Lowercase hexadecimal.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Standard base64 with padding (RFC 4648 §4), as SCRAM and the store use it.
    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes canonical base64 only: the text must be what `base64(_:)` would write for
    /// the decoded bytes (padding present, no line breaks, no stray bits).
    static func decodeBase64(_ text: some StringProtocol) -> [UInt8]? {
        let string = String(text)
        guard let data = Data(base64Encoded: string) else { return nil }
        let bytes = [UInt8](data)
        guard base64(bytes) == string else { return nil }
        return bytes
    }

    /// A UTF-8 string from `bytes`, or nil when they are not valid UTF-8.
    static func utf8String(_ bytes: some Collection<UInt8>) -> String? {
        String(validating: bytes, as: UTF8.self)
    }
}

/// Secrets that live as long as the process and are never written anywhere.
enum ProcessSecrets {
    /// An immutable key; `SymmetricKey` is a value type over immutable storage.
    struct Key: @unchecked Sendable {
        let key: SymmetricKey
    }

    /// Keys the PLAIN verifier cache and the fake SCRAM records of unknown users.
    static let secret = Key(key: SymmetricKey(size: .bits256))

    /// HMAC-SHA256 under the process key, with a domain label so uses never collide.
    static func mac(label: String, _ parts: [UInt8]...) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: secret.key)
        hmac.update(data: Array(label.utf8))
        for part in parts {
            var length = UInt32(part.count).bigEndian
            withUnsafeBytes(of: &length) { hmac.update(data: Array($0)) }
            hmac.update(data: part)
        }
        return Array(hmac.finalize())
    }
}
