import CCrypt
import Glibc

/// crypt(3) hashes through libxcrypt: SHA-512-crypt (`$6$`, `openssl passwd -6`),
/// yescrypt (`$y$`, `mkpasswd`) and the other methods libxcrypt enables.
enum Crypt {
    /// Why a stored hash cannot be used; nil when libxcrypt accepts it.
    static func problem(with hash: String) -> String? {
        guard hash.hasPrefix("$") else { return "not a crypt(3) hash: expected '$id$…' (openssl passwd -6, mkpasswd)" }
        switch crypt_checksalt(hash) {
        case CRYPT_SALT_OK: break
        case CRYPT_SALT_METHOD_LEGACY: return "legacy hash method refused; use openssl passwd -6 or mkpasswd"
        default: return "malformed hash or a method this libcrypt does not support"
        }
        // A bare setting (`$6$salt`) passes the check above but matches no password: a
        // complete hash is as long as what crypt makes from it (one hash per line, once).
        guard let made = hashed(Array("parley-check".utf8), setting: hash), made.count == hash.utf8.count else {
            return "incomplete hash (a salt without the hash?)"
        }
        return nil
    }

    /// Whether `password` hashes to `hash` with the method and salt `hash` names. The
    /// result is compared with the stored hash in constant time.
    static func verify(_ password: [UInt8], against hash: String) -> Bool {
        guard let computed = hashed(password, setting: hash) else { return false }
        return constantTimeEqual(computed, Array(hash.utf8))
    }

    /// crypt_r(password, setting), or nil when libcrypt refuses the setting.
    private static func hashed(_ password: [UInt8], setting: String) -> [UInt8]? {
        // struct crypt_data is about 32 KiB: on the heap, zeroed (crypt(3) asks for
        // `initialized` to be 0 before the first call).
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer {
            // The scratch area held password-derived state.
            memset(data, 0, MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        let phrase = password.map { CChar(bitPattern: $0) } + [0]
        guard let output = crypt_r(phrase, setting, data) else { return nil }
        let computed = Array(UnsafeRawBufferPointer(start: output, count: strlen(output)))
        // A failed crypt_r may return a string starting with '*' instead of NULL.
        return computed.first == UInt8(ascii: "*") ? nil : computed
    }

    /// Equality whose running time depends only on the lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
