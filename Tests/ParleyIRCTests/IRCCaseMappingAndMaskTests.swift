import Testing

@testable import ParleyIRC

@Suite struct IRCCaseMappingAndMaskTests {
    @Test func foldsPerMapping() {
        #expect(IRCCaseMapping.ascii.fold("Nick[]\\~") == "nick[]\\~")
        #expect(IRCCaseMapping.rfc1459.fold("Nick[]\\~") == "nick{}|^")
        #expect(IRCCaseMapping.strictRFC1459.fold("Nick[]\\~") == "nick{}|~")
        #expect(IRCCaseMapping.ascii.fold("ÄÖ") == "ÄÖ")  // non-ASCII bytes are untouched
        #expect(IRCCaseMapping.rfc1459.equals("[Foo]", "{foo}"))
        #expect(!IRCCaseMapping.ascii.equals("[Foo]", "{foo}"))
    }

    @Test func tokensRoundTrip() {
        for mapping in IRCCaseMapping.allCases { #expect(IRCCaseMapping(token: mapping.token) == mapping) }
        #expect(IRCCaseMapping(token: "rfc7613") == nil)
    }

    @Test func maskWildcardsAndEscapes() {
        #expect(IRCMask("*!*@*.example.com").matches("Nick!user@irc.example.com"))
        #expect(!IRCMask("*!*@*.example.com").matches("Nick!user@example.com"))
        #expect(IRCMask("NICK!*@*").matches("nick!u@h", caseMapping: .ascii))
        #expect(IRCMask("a[b]!*@*").matches("A{B}!u@h", caseMapping: .rfc1459))
        #expect(!IRCMask("a[b]!*@*").matches("A{B}!u@h", caseMapping: .ascii))
        #expect(IRCMask("a\\*b").matches("a*b"))
        #expect(!IRCMask("a\\*b").matches("axxb"))
        #expect(IRCMask("a\\?b").matches("a?b"))
        #expect(!IRCMask("a\\?b").matches("axb"))
        #expect(IRCMask("a\\\\b").matches("a\\b"))
        #expect(IRCMask("*").matches(""))
        #expect(!IRCMask("?").matches(""))
        #expect(IRCMask("**a*?").matches("xxab"))
    }

    @Test func userHostDescription() {
        #expect(IRCUserHost(parsing: "n!u@h").description == "n!u@h")
        #expect(IRCUserHost(parsing: "irc.example.com") == IRCUserHost(nick: "irc.example.com"))
    }
}
