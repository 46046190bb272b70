import ParleyXMPP
import Testing

@testable import XMPPRouterPlugin

/// The fast domainpart look-up agrees with `JID` wherever it answers, and leaves every
/// other case to `JID`.
@Suite struct DomainPartTests {
    @Test(arguments: [
        "echo.example.com", "bot@echo.example.com", "bot@echo.example.com/r/with/slashes", "a@b@c.example/x",
        "echo.example.com/res@with@ats", "x_y-z.example", "127.0.0.1",
    ])
    func plainDomainsAreFoundAsJIDFindsThem(text: String) throws {
        let fast = try #require(DomainPart.of(text))
        #expect(String(fast) == JID(text)?.domain ?? String(fast))
    }

    @Test(arguments: ["Echo.Example.com", "bot@ÉCHO.example", "echo.example.com.", "", "bot@", "bot@/r", "a b.example", "/r"])
    func anythingElseIsLeftToTheFullParse(text: String) {
        #expect(DomainPart.of(text) == nil)
    }
}
