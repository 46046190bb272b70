import Testing

@testable import ParleyIRC

@Suite struct IRCMessageLimitTests {
    /// A PRIVMSG body of exactly `count` bytes.
    private func body(_ count: Int) -> String {
        let head = "PRIVMSG #c :"
        return head + String(repeating: "x", count: count - head.utf8.count)
    }

    @Test func bodyOf510BytesIsAcceptedAnd511Refused() throws {
        #expect(try IRCMessage(parsing: body(510)).parameters[1].utf8.count == 510 - 12)
        #expect(throws: IRCParseError.bodyTooLong) { try IRCMessage(parsing: body(511)) }
    }

    /// The tag section counts its `@` and the space after it.
    @Test func tagSectionOf8191BytesIsAcceptedAnd8192Refused() throws {
        let ok = "@k=" + String(repeating: "v", count: 8191 - 4) + " PING"
        let message = try IRCMessage(parsing: ok)
        #expect(message.tag("k")??.utf8.count == 8187)
        let long = "@k=" + String(repeating: "v", count: 8192 - 4) + " PING"
        #expect(throws: IRCParseError.tagsTooLong) { try IRCMessage(parsing: long) }
        // Tags do not count towards the body limit.
        #expect(try IRCMessage(parsing: "@a=b " + body(510)).parameters.count == 2)
    }

    @Test(arguments: ["PRIVMSG #c :a\u{0}b", "PRIVMSG #c :a\rb", "PRIVMSG #c :a\nb", "@k=a\rb PING"])
    func controlCharactersAreRefused(line: String) {
        #expect(throws: IRCParseError.forbiddenCharacter) { try IRCMessage(parsing: line) }
    }

    @Test func fifteenParametersAcceptedSixteenRefused() throws {
        let fifteen = (1...15).map(String.init).joined(separator: " ")
        #expect(try IRCMessage(parsing: "CMD " + fifteen).parameters.count == 15)
        #expect(try IRCMessage(parsing: "CMD " + fifteen + "  ").parameters.count == 15)
        #expect(throws: IRCParseError.tooManyParameters) { try IRCMessage(parsing: "CMD \(fifteen) 16") }
        #expect(throws: IRCParseError.tooManyParameters) { try IRCMessage(parsing: "CMD \(fifteen) :sixteen") }
    }

    @Test func malformedLinesAreRefused() {
        #expect(throws: IRCParseError.empty) { try IRCMessage(parsing: "   ") }
        #expect(throws: IRCParseError.missingCommand) { try IRCMessage(parsing: ":src") }
        #expect(throws: IRCParseError.missingCommand) { try IRCMessage(parsing: "@a=b ") }
        #expect(throws: IRCParseError.invalidCommand) { try IRCMessage(parsing: "PRIV-MSG x") }
        #expect(throws: IRCParseError.invalidCommand) { try IRCMessage(parsing: "0001 x") }
        #expect(throws: IRCParseError.invalidTag) { try IRCMessage(parsing: "@=v PING") }
        #expect(throws: IRCParseError.invalidTag) { try IRCMessage(parsing: "@a_b=v PING") }
    }

    /// Separators are found by byte: a combining mark after a space does not glue them.
    @Test func combiningMarkAfterSpaceStillSeparates() throws {
        let message = try IRCMessage(parsing: "PRIVMSG #c \u{301}x :\u{301} tail")
        #expect(message.parameters == ["#c", "\u{301}x", "\u{301} tail"])
        #expect(try IRCMessage(parsing: "privmsg a b").command == "PRIVMSG")
        #expect(try IRCMessage(parsing: "001 a b").numeric == 1)
    }

    @Test(arguments: ["plain", "semi;colon", "a space", "back\\slash", "cr\rlf\n", "\\:;\\s \r\n", "", "ünï ☃"])
    func tagValuesRoundTrip(value: String) throws {
        let escaped = IRCTagEscaping.escape(value)
        let forbidden: Set<UInt8> = [0x20, 0x3B, 0x0D, 0x0A]
        let clean = escaped.utf8.allSatisfy { !forbidden.contains($0) }
        #expect(clean)
        #expect(IRCTagEscaping.unescape(escaped) == value)
        let message = IRCMessage(tags: [IRCTag("k", value), IRCTag("+c/x")], command: "TAGMSG", parameters: ["#c"])
        let parsed = try IRCMessage(parsing: message.serialized())
        #expect(parsed.tag("k") == .some(value.isEmpty ? nil : value))
        #expect(parsed.tag("+c/x") == .some(nil))
        #expect(parsed.tags[1].isClientOnly)
    }

    @Test func unescapeEdgeCases() {
        #expect(IRCTagEscaping.unescape("a\\b") == "ab")
        #expect(IRCTagEscaping.unescape("end\\") == "end")
        #expect(IRCTagEscaping.unescape("\\s\\:\\\\") == " ;\\")
    }

    @Test func serializedWritesTrailingOnlyWhenNeeded() {
        #expect(IRCMessage(command: "JOIN", parameters: ["#c"]).serialized() == "JOIN #c")
        #expect(IRCMessage(source: "n!u@h", command: "PRIVMSG", parameters: ["#c", "hi there"]).serialized()
            == ":n!u@h PRIVMSG #c :hi there")
        #expect(IRCMessage(command: "PRIVMSG", parameters: ["#c", ":)"]).serialized() == "PRIVMSG #c ::)")
        #expect(IRCMessage(command: "AWAY", parameters: [""]).serialized() == "AWAY :")
    }
}
