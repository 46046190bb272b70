import Testing

@testable import ParleyIRC

@Suite struct IRCTextDecodingTests {
    @Test func validUTF8IsUsedAsIs() {
        let result = IRCTextDecoding.decode(Array("héllo ☃".utf8))
        #expect(result.text == "héllo ☃")
        #expect(!result.usedFallback)
    }

    @Test func invalidUTF8FallsBackToLatin1() {
        let result = IRCTextDecoding.decode([0x63, 0x61, 0x66, 0xE9, 0x80])
        #expect(result.text == "caf\u{E9}\u{80}")
        #expect(result.usedFallback)
    }

    @Test func windows1252MapsTheHighControls() {
        let result = IRCTextDecoding.decode([0x80, 0x93, 0x94, 0xE9, 0x81], fallback: .windows1252)
        #expect(result.text == "€“”é\u{81}")
        #expect(result.usedFallback)
    }
}
