import Testing

@testable import ParleyIRCNIO

/// Clients share one TLS context per way of verifying servers.
@Suite struct TLSContextSharingTests {
    @Test func oneContextPerVerification() throws {
        let contexts = IRCClientTLSContexts()
        let first = try contexts.context(for: IRCClientTLS(verification: .none))
        let again = try contexts.context(for: IRCClientTLS(verification: .none, serverName: "irc.example.net"))
        let system = try contexts.context(for: IRCClientTLS(verification: .system))
        #expect(first === again)
        #expect(first !== system)
    }

    @Test func aMissingCAFileFailsEachTime() {
        let contexts = IRCClientTLSContexts()
        let tls = IRCClientTLS(verification: .caFile("/nonexistent/parley-ca.pem"))
        #expect(throws: (any Error).self) { try contexts.context(for: tls) }
        #expect(throws: (any Error).self) { try contexts.context(for: tls) }
    }
}
