import ParleyCore
import Testing

@testable import ParleyXMPP

/// RFC 7622 addresses: the examples of §3.5 and the normalizations Parley applies.
@Suite struct JIDTests {
    @Test(arguments: [
        ("juliet@example.com", "juliet", "example.com", nil),
        ("juliet@example.com/foo", "juliet", "example.com", "foo"),
        ("juliet@example.com/foo bar", "juliet", "example.com", "foo bar"),
        ("juliet@example.com/foo@bar", "juliet", "example.com", "foo@bar"),
        ("foo\\20bar@example.com", "foo\\20bar", "example.com", nil),
        ("fussball@example.com", "fussball", "example.com", nil),
        ("π@example.com", "π", "example.com", nil),
        ("example.com", nil, "example.com", nil),
        ("example.com/foobar", nil, "example.com", "foobar"),
        ("a.example.com/b@example.net", nil, "a.example.com", "b@example.net"),
        ("Juliet@Example.COM./Balcony", "juliet", "example.com", "Balcony"),
    ] as [(String, String?, String, String?)])
    func parsesTheValidExamples(text: String, local: String?, domain: String, resource: String?) throws {
        let jid = try JID(parsing: text)
        #expect(jid.localpart == local)
        #expect(jid.domain == domain)
        #expect(jid.resource == resource)
    }

    @Test(arguments: [
        ("", JID.ParseError.empty),
        ("\"juliet\"@example.com", .invalidLocalpart),
        ("foo bar@example.com", .invalidLocalpart),
        ("@example.com", .invalidLocalpart),
        ("juliet@", .invalidDomain),
        ("juliet@example.com/", .invalidResource),
        ("juliet@exa mple.com", .invalidDomain),
        ("juliet@example.com/a\u{7}b", .invalidResource),
    ] as [(String, JID.ParseError)])
    func refusesTheInvalidExamples(text: String, error: JID.ParseError) {
        #expect(throws: error) { try JID(parsing: text) }
    }

    @Test func aPartLongerThan1023BytesIsRefused() {
        let long = String(repeating: "a", count: 1024)
        #expect(throws: JID.ParseError.invalidLocalpart) { try JID(parsing: "\(long)@example.com") }
        #expect(throws: JID.ParseError.invalidResource) { try JID(parsing: "a@example.com/\(long)") }
        #expect((try? JID(parsing: String(repeating: "a", count: 1023) + "@example.com")) != nil)
    }

    @Test func normalizedFormsCompareEqualAndRoundTrip() throws {
        let composed = try JID(parsing: "caf\u{E9}@example.com/R\u{E9}sum\u{E9}")
        let decomposed = try JID(parsing: "CAFE\u{301}@EXAMPLE.com/Re\u{301}sume\u{301}")
        #expect(composed.bare == decomposed.bare)
        #expect(composed.resource == decomposed.resource)
        #expect(try JID(parsing: composed.description) == composed)
    }

    @Test func mapsToAndFromModelAddresses() throws {
        let full = try JID(parsing: "alice@example.com/laptop")
        #expect(full.sessionID == SessionID(user: UserID(localpart: "alice", domain: "example.com"), resource: "laptop"))
        #expect(JID(full.sessionID!) == full)
        #expect(full.bare.userAddress == .user(UserID(localpart: "alice", domain: "example.com")))
        #expect(JID(UserID(localpart: "", domain: "example.com")).description == "example.com")
    }
}
