import Foundation
import ParleyIRC
import Testing

/// `IRCMultiline` and `IRCChatHistory` against the examples of the IRCv3 specs
/// (extensions/multiline.md "Examples", extensions/chathistory.md "Examples").
@Suite struct IRCMultilineAndChatHistoryTests {
    func parse(_ line: String) -> IRCMessage { try! IRCMessage(parsing: line) }

    @Test func limitsReadTheCapabilityValueAndNeedMaxBytes() {
        // multiline "Capabilities": `max-bytes` REQUIRED, `max-lines` RECOMMENDED, unknown keys ignored.
        #expect(IRCMultiline.Limits(capabilityValue: "max-bytes=40000") == .init(maximumBytes: 40000))
        #expect(
            IRCMultiline.Limits(capabilityValue: "max-bytes=40000,max-lines=10,future=x")
                == .init(maximumBytes: 40000, maximumLines: 10))
        #expect(IRCMultiline.Limits(capabilityValue: "max-lines=10") == nil)
        #expect(IRCMultiline.Limits(capabilityValue: "max-bytes=0") == nil)
        #expect(IRCMultiline.Limits(capabilityValue: "") == nil)
    }

    @Test func theCombinedValueJoinsLinesWithLineFeedsAndConcatLinesWithNothing() {
        // multiline "Examples": hello / (blank) / how is<SPACE> / concat everyone?
        let lines: [IRCMultiline.Line] = [.init("hello"), .init(""), .init("how is "), .init("everyone?", concatenated: true)]
        #expect(IRCMultiline.combine(lines) == "hello\n\nhow is everyone?")
        // "Each line feed used to join line messages contributes one byte": 5+1+0+1+7+9.
        #expect(IRCMultiline.combinedBytes(lines) == 23)
        #expect(IRCMultiline.combinedBytes(lines) == IRCMultiline.combine(lines).utf8.count)
    }

    @Test func textIsCutIntoBatchLinesKeepingTheSpaceBeforeAConcatLine() {
        let lines = IRCMultiline.lines(of: "hello\r\n\nhow is everyone?", budget: 9)
        #expect(lines == [.init("hello"), .init(""), .init("how is "), .init("everyone?", concatenated: true)])
        #expect(IRCMultiline.combine(lines) == "hello\n\nhow is everyone?")
        // Blank lines around the text are left out; blank lines only give nothing to send.
        #expect(IRCMultiline.lines(of: "\n\nhi\n\n", budget: 100) == [.init("hi")])
        #expect(IRCMultiline.lines(of: "\n\n\n", budget: 100).isEmpty)
        // Never inside a UTF-8 sequence: each piece is whole text.
        let accents = IRCMultiline.lines(of: String(repeating: "é", count: 9), budget: 5)
        #expect(accents.map(\.text) == ["éé", "éé", "éé", "éé", "é"])
        #expect(accents.dropFirst().allSatisfy { $0.concatenated })
    }

    @Test func aBatchIsTheSpecsClientExample() {
        // multiline "Examples", Client sending a multiline batch.
        let spec = [
            "BATCH +123 draft/multiline #channel",
            "@batch=123 PRIVMSG #channel hello",
            "@batch=123 PRIVMSG #channel :",
            "@batch=123 privmsg #channel :how is ",
            "@batch=123;draft/multiline-concat PRIVMSG #channel :everyone?",
            "BATCH -123",
        ].map(parse)
        let built = IRCMultiline.batch(
            reference: "123", target: "#channel", lines: IRCMultiline.lines(of: "hello\n\nhow is everyone?", budget: 9))
        #expect(built == spec)
        // "Message tags": client-only tags go on the opening BATCH, none on the lines.
        let tagged = IRCMultiline.batch(
            reference: "7", target: "#c", lines: [.init("a"), .init("b")], tags: [IRCTag("+draft/reply", "x")])
        #expect(tagged.first?.tags == [IRCTag("+draft/reply", "x")])
        #expect(tagged.dropFirst().allSatisfy { !$0.tags.contains { $0.key.hasPrefix("+") } })
    }

    @Test func chatHistoryRequestsAreTheSpecsForms() {
        // chathistory "Examples": CHATHISTORY LATEST #channel * 50.
        #expect(IRCChatHistory.request(.latest, target: "#channel", .unbounded, limit: 50).serialized() == "CHATHISTORY LATEST #channel * 50")
        #expect(
            IRCChatHistory.request(.before, target: "bob", .timestamp(Date(timeIntervalSince1970: 1_546_612_457.123)), limit: 50)
                .serialized() == "CHATHISTORY BEFORE bob timestamp=2019-01-04T14:34:17.123Z 50")
        #expect(IRCChatHistory.request(.after, target: "#c", .messageID("1234"), limit: 0).serialized() == "CHATHISTORY AFTER #c msgid=1234 1")
    }
}
