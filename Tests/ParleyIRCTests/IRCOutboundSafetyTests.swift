import ParleyIRC
import Testing

/// The pure pieces of IRC's outbound path: nick validity and the foreign form, text
/// splitting, and the encoder's last line of defence (`wireSafe`).
@Suite struct IRCOutboundSafetyTests {
    // MARK: Nicks

    @Test func validNicksFollowRFC2812AndRefuseTheForeignMarker() {
        #expect(IRCNickname.isValid("alice", maximumLength: 30))
        #expect(IRCNickname.isValid("[away]_x-1", maximumLength: 30))
        #expect(IRCNickname.isValid("José", maximumLength: 30))
        #expect(!IRCNickname.isValid("`bob", maximumLength: 30))
        #expect(IRCNickname.isValid("b`ob", maximumLength: 30))
        #expect(!IRCNickname.isValid("@admin", maximumLength: 30))
        #expect(!IRCNickname.isValid("a!b", maximumLength: 30))
        #expect(!IRCNickname.isValid("1abc", maximumLength: 30))
        #expect(!IRCNickname.isValid("", maximumLength: 30))
        #expect(!IRCNickname.isValid("abcdef", maximumLength: 5))
    }

    @Test func foreignFormsAreTheDocumentedOnes() {
        #expect(IRCNickname.foreignForm(of: "alice!alice@localhost") == "`alice`21alice`40localhost")
        #expect(IRCNickname.foreignForm(of: "@admin") == "``40admin")
        #expect(IRCNickname.foreignForm(of: "bob") == "`bob")
        #expect(IRCNickname.foreignForm(of: "a`b") == "`a`60b")
        #expect(IRCNickname.foreignForm(of: "ünï") == "`ünï")
        #expect(IRCNickname.foreignForm(of: "x y") == "`x`20y")
    }

    @Test func renderingKeepsValidAvailableNicksAndEscapesTheRest() {
        #expect(IRCNickname.render(foreign: "carol", maximumLength: 30, available: true) == "carol")
        #expect(IRCNickname.render(foreign: "carol", maximumLength: 30, available: false) == "`carol")
        #expect(IRCNickname.render(foreign: "@carol", maximumLength: 30, available: true) == "``40carol")
        #expect(IRCNickname.render(foreign: "`carol", maximumLength: 30, available: true) == "``60carol")
        #expect(IRCNickname.render(foreign: "carolinecarolinecaroline", maximumLength: 8, available: true).hasPrefix("`"))
    }

    @Test func foreignFormsDecodeBackAndLongOnesAreBoundedAndDistinct() {
        for nick in ["alice!alice@localhost", "@admin", "`", "日本語", "a b\tc", "x:y", "😀👍🏽", "-1"] {
            let form = IRCNickname.foreignForm(of: nick)
            #expect(IRCNickname.decodeForeign(form) == nick)
            #expect(form.unicodeScalars.first == "`")
        }
        let long = String(repeating: "日", count: 40)
        let longer = long + "本"
        let form = IRCNickname.foreignForm(of: long)
        #expect(form.utf8.count <= IRCNickname.maximumRenderedBytes)
        #expect(form != IRCNickname.foreignForm(of: longer))
        #expect(IRCNickname.decodeForeign(form) == nil)
        #expect(IRCNickname.decodeForeign("alice") == nil)
        #expect(IRCNickname.decodeForeign("`4") == "4")
        #expect(IRCNickname.decodeForeign("`a`4") == nil)
    }

    // MARK: Text

    @Test func textIsCutAtLineBreaksAndNULs() {
        #expect(IRCTextSplitter.pieces(of: "one\r\ntwo\rthree\nfour\u{0}five", budget: 100) == [
            "one", "two", "three", "four", "five",
        ])
        #expect(IRCTextSplitter.pieces(of: "\r\n\r\n", budget: 100) == [""])
        #expect(IRCTextSplitter.pieces(of: "plain", budget: 100) == ["plain"])
    }

    @Test func longTextIsCutBetweenWordsWithinTheBudget() {
        let text = (0..<100).map { "word\($0)" }.joined(separator: " ")
        let pieces = IRCTextSplitter.pieces(of: text, budget: 50)
        #expect(pieces.allSatisfy { $0.utf8.count <= 50 })
        #expect(pieces.joined(separator: " ") == text)
        #expect(pieces.allSatisfy { $0.first != " " && $0.last != " " })
    }

    @Test func textWithoutSpacesIsCutAtCharacterBoundaries() {
        let text = String(repeating: "é🇫🇷x", count: 60)
        let pieces = IRCTextSplitter.pieces(of: text, budget: 37)
        #expect(pieces.allSatisfy { $0.utf8.count <= 37 })
        #expect(pieces.joined() == text)
        // No flag is cut in half: each piece is made of whole characters.
        #expect(pieces.allSatisfy { $0.allSatisfy { ["é", "🇫🇷", "x"].contains($0) } })
    }

    // MARK: The encoder's defence

    @Test func wireSafeLeavesGoodMessagesAlone() {
        let message = IRCMessage(source: "a!b@c", command: "PRIVMSG", parameters: ["#dev", "hello there"])
        #expect(message.isWireSafe)
        #expect(message.wireSafe() == message)
    }

    @Test func wireSafeNeverLetsALineBreakThrough() throws {
        let hostile = IRCMessage(
            source: "evil\r\nQUIT", command: "PRIVMSG", parameters: ["#dev x", "a\r\nPRIVMSG #ops :pwned\u{0}"])
        #expect(!hostile.isWireSafe)
        let line = hostile.serialized()
        #expect(!line.utf8.contains(where: IRCTextSplitter.isBreak))
        let parsed = try IRCMessage(parsing: line)
        #expect(parsed.command == "PRIVMSG")
        #expect(parsed.parameters == ["#dev_x", "a  PRIVMSG #ops :pwned "])
        #expect(parsed.source == "evil__QUIT")
    }

    @Test func wireSafeCutsTheTrailingParameterTo512Bytes() throws {
        let message = IRCMessage(source: "a!b@c", command: "TOPIC", parameters: ["#dev", String(repeating: "é", count: 400)])
        let line = message.serialized()
        #expect(line.utf8.count <= IRCLimits.maximumBodyBytes)
        let parsed = try IRCMessage(parsing: line)
        #expect(parsed.parameters[1].allSatisfy { $0 == "é" })
        #expect(parsed.parameters[1].count > 200)
    }

    @Test func emptyAndColonMiddleParametersAreRepaired() throws {
        let message = IRCMessage(command: "KICK", parameters: ["", ":x", "why"])
        let parsed = try IRCMessage(parsing: message.serialized())
        #expect(parsed.parameters == ["*", "_x", "why"])
    }
}
