import Testing

@testable import ParleyIRC

@Suite struct ISupportTests {
    @Test func parsesTokensWithRemovalAndEscapes() throws {
        var support = ISupport()
        support.apply(
            try IRCMessage(
                parsing: ":irc.example 005 me CASEMAPPING=ascii CHANTYPES=# PREFIX=(qov)~@+ "
                    + "CHANMODES=beI,k,l,imnst NICKLEN=30 NETWORK=Example\\x20Net EXCEPTS :are supported by this server"
            ))
        #expect(support.caseMapping == .ascii)
        #expect(support.channelTypes == "#")
        #expect(support.prefixes.map(\.mode) == ["q", "o", "v"])
        #expect(support.prefixes.map(\.symbol) == ["~", "@", "+"])
        #expect(support.channelModes == .init(a: "beI", b: "k", c: "l", d: "imnst"))
        #expect(support.nickLength == 30)
        #expect(support.network == "Example Net")
        #expect(support["EXCEPTS"] == .some(nil))
        support.apply(tokens: ["-EXCEPTS", "-NICKLEN", "TOPICLEN=300"])
        #expect(!support.contains("EXCEPTS"))
        #expect(support.nickLength == nil)
        #expect(support.topicLength == 300)
    }

    @Test func defaultsWhenAbsent() {
        let support = ISupport()
        #expect(support.caseMapping == .rfc1459)
        #expect(support.channelTypes == "#&")
        #expect(support.prefixes.map(\.symbol) == ["@", "+"])
        #expect(support.channelModes.d == "imnpst")
        #expect(support.network == nil)
    }

    @Test func buildsLinesOfAtMost13TokensThatParseBack() throws {
        var support = ISupport()
        support.caseMapping = .ascii
        support.network = "Parley Net"
        support.prefixes = [.init(mode: "o", symbol: "@"), .init(mode: "v", symbol: "+")]
        support.channelLength = 64
        for index in 0..<20 { support.set("X\(index)", index.isMultiple(of: 2) ? nil : "a=b\\c") }
        let lines = support.lines(for: "me")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.count <= 13 + 2 && $0.first == "me" })
        #expect(lines.map { $0.count - 2 }.reduce(0, +) == 24)
        var parsed = ISupport()
        for message in support.messages(for: "me", from: "irc.example") {
            parsed.apply(try IRCMessage(parsing: message.serialized()))
        }
        #expect(parsed == support)
        #expect(parsed.network == "Parley Net")
        #expect(parsed["X1"] == .some("a=b\\c"))
    }
}
