import ParleyCore
import Testing

@testable import ParleyCred

@Suite("SASL PLAIN and ANONYMOUS messages")
struct SASLPlainTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("authcid and password without authzid")
    func basic() throws {
        let plain = try SASLPlain(parsing: bytes("\0tim\0tanstaaftanstaaf"))
        #expect(plain.authzid == nil)
        #expect(plain.authcid == "tim")
        #expect(plain.password == "tanstaaftanstaaf")
        #expect(try plain.credentials() == UsernamePassword(username: "tim", password: "tanstaaftanstaaf"))
    }

    @Test("an authzid equal to the authcid (after normalization) is accepted")
    func sameAuthzid() throws {
        let plain = try SASLPlain(parsing: bytes("Kurt\0kurt\0xipj3plmq"))
        #expect(plain.authzid == "Kurt")
        #expect(try plain.credentials().username == "kurt")
    }

    @Test("an authzid naming someone else is invalid-authzid")
    func otherAuthzid() throws {
        let plain = try SASLPlain(parsing: bytes("Ursel\0Kurt\0xipj3plmq"))
        #expect(throws: CredentialError.invalidAuthzid("authzid differs from authcid")) { try plain.credentials() }
        #expect(CredentialError.invalidAuthzid("").condition == .invalidAuthzid)
    }

    @Test("passwords keep NUL-free bytes, spaces and non-ASCII as sent")
    func unusualPassword() throws {
        let plain = try SASLPlain(parsing: bytes("\0tim\0 pass wörd "))
        #expect(plain.password == " pass wörd ")
    }

    @Test(
        "malformed messages are refused",
        arguments: [
            ("", SASLPlain.ParseError.wrongSeparatorCount(0)),
            ("tim", .wrongSeparatorCount(0)),
            ("\0tim", .wrongSeparatorCount(1)),
            ("\0tim\0pass\0extra", .wrongSeparatorCount(3)),
            ("\0\0pass", .emptyAuthcid),
            ("\0tim\0", .emptyPassword),
            ("\0\0", .emptyAuthcid),
            ("a\0b\0c\0\0", .wrongSeparatorCount(4)),
        ])
    func malformed(message: String, error: SASLPlain.ParseError) {
        #expect(throws: error) { try SASLPlain(parsing: Array(message.utf8)) }
    }

    @Test("input over 1 KiB is refused before it is split")
    func tooLong() {
        let message = [0] + Array("tim".utf8) + [0] + [UInt8](repeating: 0x61, count: 1100)
        #expect(throws: SASLPlain.ParseError.tooLong(message.count)) { try SASLPlain(parsing: message) }
        let justFits = [0] + Array("tim".utf8) + [0] + [UInt8](repeating: 0x61, count: 1024 - 5)
        #expect(throws: Never.self) { try SASLPlain(parsing: justFits) }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: SASLPlain.ParseError.invalidUTF8) { try SASLPlain(parsing: [0, 0x74, 0, 0xC3, 0x28]) }
    }

    @Test("parse errors map to malformed-request")
    func mapping() {
        #expect(SASLPlain.ParseError.emptyPassword.credentialError.condition == .malformedRequest)
    }

    @Test("encode and parse round-trip")
    func roundTrip() throws {
        let message = SASLPlain.encode(authzid: "a", authcid: "b", password: "c:d")
        #expect(message == [0x61, 0, 0x62, 0, 0x63, 0x3A, 0x64])
        let plain = try SASLPlain(parsing: message)
        #expect(plain.authzid == "a" && plain.authcid == "b" && plain.password == "c:d")
    }

    @Test("ANONYMOUS: empty and short traces are accepted, long or control-laden ones refused")
    func anonymous() throws {
        #expect(try SASLAnonymous(parsing: []).trace == nil)
        #expect(try SASLAnonymous(parsing: Array("sirhc@example.com".utf8)).credentials.trace == "sirhc@example.com")
        #expect(throws: SASLAnonymous.ParseError.tooLong) {
            try SASLAnonymous(parsing: [UInt8](repeating: 0x61, count: 256))
        }
        #expect(throws: SASLAnonymous.ParseError.invalidTrace) { try SASLAnonymous(parsing: [0x61, 0x0A]) }
        #expect(throws: SASLAnonymous.ParseError.invalidTrace) { try SASLAnonymous(parsing: [0xFF]) }
    }

    @Test("password preparation: NFC, non-ASCII spaces, controls and empty (OpaqueString approximation)")
    func opaqueString() throws {
        // U+0065 U+0301 (e + combining acute) becomes U+00E9.
        #expect(try OpaqueString.prepare("caf\u{65}\u{301}") == Array("café".utf8))
        #expect(try OpaqueString.prepare("a\u{00A0}b") == Array("a b".utf8))
        #expect(throws: CredentialError.malformedRequest("empty password")) { try OpaqueString.prepare("") }
        #expect(throws: CredentialError.malformedRequest("control character in password")) {
            try OpaqueString.prepare("a\u{7}b")
        }
        #expect(throws: CredentialError.malformedRequest("password too long")) {
            try OpaqueString.prepare(String(repeating: "x", count: 1025))
        }
        // Both spellings give the same SCRAM keys.
        let salt: [UInt8] = Array(repeating: 1, count: 16)
        let composed = try SCRAMRecord.derive(password: "caf\u{E9}", salt: salt, iterations: 4096, algorithm: .sha256)
        #expect(try composed.matches(password: "caf\u{65}\u{301}"))
    }
}
