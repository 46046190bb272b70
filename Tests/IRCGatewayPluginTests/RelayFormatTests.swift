import Logging
import Testing

@testable import IRCGatewayPlugin

/// How a relay bridge names senders, and what it counts.
@Suite struct RelayFormatTests {
    @Test func theNickIsKeptButNoControlOrInvisibleCharacterCrosses() throws {
        let format = try #require(RelayFormat("<{nick}> "))
        #expect(format.prefix("Anne Marie") == "<Anne Marie> ")
        // mIRC colour and bold codes, a right-to-left override, a zero-width space, a CR.
        #expect(format.prefix("\u{3}4red\u{2}\u{202E}x\u{200B}y\r") == "<4redxy> ")
        #expect(format.prefix("\u{200B}") == "<?> ")
        #expect(RelayFormat.safe(String(repeating: "n", count: 100)).count == 64)
        #expect(RelayFormat("no placeholder") == nil)
        #expect(RelayFormat("[{nick}]: ")?.prefix("bob") == "[bob]: ")
    }

    @Test func dropsAreCountedByReason() {
        let drops = RelayDrops(logger: Logger(label: "test"))
        for _ in 0..<3 { drops.count("joins") }
        drops.count("reactions")
        #expect(drops.snapshot == ["joins": 3, "reactions": 1])
    }
}
