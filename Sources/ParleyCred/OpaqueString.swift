import Foundation

/// Password preparation: an approximation of the PRECIS OpaqueString profile (RFC 8265
/// §4.2, which RFC 7613 defined first and which replaces SASLprep for SCRAM passwords).
///
/// Implemented: non-ASCII spaces map to U+0020 (§4.2.1 rule 1), Unicode NFC (§4.2.1
/// rule 4), and control characters, an empty result and over-long input are refused.
/// Not implemented: the full PRECIS FreeformClass table (unassigned code points and a
/// few compatibility characters are let through). Both sides of SCRAM and the store use
/// this one function, so what a user sets is what they can log in with.
public enum OpaqueString {
    /// Longest accepted password in UTF-8 bytes.
    public static let maximumBytes = 1024

    /// The bytes to feed to Hi() for `password`.
    public static func prepare(_ password: String) throws(CredentialError) -> [UInt8] {
        guard !password.isEmpty else { throw .malformedRequest("empty password") }
        guard password.utf8.count <= maximumBytes else { throw .malformedRequest("password too long") }
        // ASCII is already in NFC and has no non-ASCII spaces: skip Foundation (fast path).
        if password.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return Array(password.utf8)
        }
        var mapped = String.UnicodeScalarView()
        for scalar in password.unicodeScalars {
            let category = scalar.properties.generalCategory
            if category == .control { throw .malformedRequest("control character in password") }
            mapped.append(category == .spaceSeparator ? " " : scalar)
        }
        let normalized = String(mapped).precomposedStringWithCanonicalMapping
        guard normalized.utf8.count <= maximumBytes else { throw .malformedRequest("password too long") }
        return Array(normalized.utf8)
    }

    /// Runs `body` with the prepared bytes of `password`, without copying when the
    /// password is printable ASCII (the PLAIN fast path).
    static func withPrepared<Result>(
        _ password: String, _ body: (UnsafeRawBufferPointer) throws(CredentialError) -> Result
    ) throws(CredentialError) -> Result {
        var password = password
        if !password.isEmpty, password.utf8.count <= maximumBytes,
            password.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        {
            let result = password.withUTF8 { buffer -> Swift.Result<Result, CredentialError> in
                do throws(CredentialError) {
                    return .success(try body(UnsafeRawBufferPointer(buffer)))
                } catch {
                    return .failure(error)
                }
            }
            return try result.get()
        }
        let prepared = try prepare(password)
        let result = prepared.withUnsafeBytes { buffer -> Swift.Result<Result, CredentialError> in
            do throws(CredentialError) {
                return .success(try body(buffer))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
