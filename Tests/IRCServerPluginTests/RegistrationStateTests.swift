import ParleyCred
import ParleyIRC
import NIOCore
import Testing

@testable import IRCServerPlugin

/// `IRCRegistration` alone: the value-type state machine behind PASS/NICK/USER/CAP/AUTHENTICATE.
@Suite struct RegistrationStateTests {
    let all: IRCCapabilities = IRCCapabilities(IRCCapabilities.names.map(\.0))

    @Test func nickThenUserRegistersWithoutCap() {
        var state = IRCRegistration()
        #expect(state.nickAccepted("alice").isEmpty)
        #expect(state.user(["alice", "0", "*", "Alice"]) == [.register])
        #expect(state.realname == "Alice")
    }

    @Test func userThenNickRegistersToo() {
        var state = IRCRegistration()
        #expect(state.user(["a", "0", "*", "A"]).isEmpty)
        #expect(state.nickAccepted("alice") == [.register])
    }

    @Test func capLSSuspendsUntilEnd() {
        var state = IRCRegistration()
        let ls = state.cap(["LS", "302"], offered: all, saslMechanisms: ["PLAIN"])
        guard case .reply("CAP", let parameters) = ls.first else {
            Issue.record("no CAP LS reply: \(ls)")
            return
        }
        #expect(parameters[0] == "LS")
        #expect(parameters[1].split(separator: " ").contains("sasl=PLAIN"))
        #expect(parameters[1].split(separator: " ").contains("message-tags"))
        #expect(state.capabilities.contains(.capNotify))
        _ = state.nickAccepted("alice")
        #expect(state.user(["a", "0", "*", "A"]).isEmpty)
        #expect(state.cap(["END"], offered: all, saslMechanisms: ["PLAIN"]) == [.register])
    }

    @Test func capLSWithoutVersionListsBareSASL() {
        var state = IRCRegistration()
        let ls = state.cap(["LS"], offered: all, saslMechanisms: ["PLAIN"])
        #expect(ls == [.reply("CAP", ["LS", IRCCapabilities.listing(version: 0, saslMechanisms: ["PLAIN"]).joined(separator: " ")])])
        #expect(IRCCapabilities.listing(version: 0, saslMechanisms: ["PLAIN"]).contains("sasl"))
        #expect(!state.capabilities.contains(.capNotify))
    }

    @Test func reqIsAtomic() {
        var state = IRCRegistration()
        #expect(state.cap(["REQ", "echo-message bogus"], offered: all, saslMechanisms: []) == [.reply("CAP", ["NAK", "echo-message bogus"])])
        #expect(state.capabilities.isEmpty)
        let ack = state.cap(["REQ", "echo-message server-time"], offered: all, saslMechanisms: [])
        #expect(ack.first == .reply("CAP", ["ACK", "echo-message server-time"]))
        #expect(state.capabilities == [.echoMessage, .serverTime])
        _ = state.cap(["REQ", "-echo-message"], offered: all, saslMechanisms: [])
        #expect(state.capabilities == [.serverTime])
    }

    @Test func unavailableSASLIsNaked() {
        var state = IRCRegistration()
        var offered = all
        offered.remove(.sasl)
        #expect(state.cap(["REQ", "sasl"], offered: offered, saslMechanisms: []) == [.reply("CAP", ["NAK", "sasl"])])
    }

    @Test func saslPlainCollectsChunksAndAsksThePortal() {
        var state = IRCRegistration()
        #expect(state.authenticate(["PLAIN"], mechanisms: ["PLAIN"]) == [.challenge])
        let response = SASLEncoding.base64(SASLPlain.encode(authcid: "alice", password: "alicepw"))
        #expect(state.authenticate([response], mechanisms: ["PLAIN"]) == [.authenticate(UsernamePassword(username: "alice", password: "alicepw"))])
        #expect(state.authenticated(account: "alice") == [.reply(IRCNumeric.saslSuccess, ["SASL authentication successful"])])
        #expect(state.account == "alice")
        #expect(state.authenticate(["PLAIN"], mechanisms: ["PLAIN"]).first?.code == IRCNumeric.saslAlready)
    }

    @Test func aResponseOfExactly400BytesWaitsForMore() {
        var state = IRCRegistration()
        _ = state.authenticate(["PLAIN"], mechanisms: ["PLAIN"])
        // A 400-byte chunk means more follows (SASL 3.1); a 293-byte password fills it.
        let response = SASLEncoding.base64(SASLPlain.encode(authcid: "alice", password: String(repeating: "p", count: 293)))
        #expect(response.utf8.count == 400)
        #expect(state.authenticate([response], mechanisms: ["PLAIN"]).isEmpty)
        guard case .authenticate(let credentials) = state.authenticate(["+"], mechanisms: ["PLAIN"]).first else {
            Issue.record("no authenticate action")
            return
        }
        #expect(credentials.password.count == 293)
    }

    @Test func abortAndUnknownMechanism() {
        var state = IRCRegistration()
        let unknown = state.authenticate(["EXTERNAL"], mechanisms: ["PLAIN"])
        #expect(unknown.map(\.code) == [IRCNumeric.saslMechanisms, IRCNumeric.saslFail])
        _ = state.authenticate(["PLAIN"], mechanisms: ["PLAIN"])
        #expect(state.authenticate(["*"], mechanisms: ["PLAIN"]).map(\.code) == [IRCNumeric.saslAborted])
        #expect(state.sasl == .idle)
    }

    @Test func plainIsRefusedWhenNotUsable() {
        var state = IRCRegistration()
        #expect(state.authenticate(["PLAIN"], mechanisms: []).map(\.code) == [IRCNumeric.saslFail])
    }

    @Test func failuresAreBounded() {
        var state = IRCRegistration()
        state.maxAuthFailures = 2
        _ = state.authenticate(["PLAIN"], mechanisms: ["PLAIN"])
        #expect(state.authenticate(["bm90IGJhc2U2NA=="], mechanisms: ["PLAIN"]).map(\.code) == [IRCNumeric.saslFail])
        _ = state.authenticate(["PLAIN"], mechanisms: ["PLAIN"])
        _ = state.authenticate([SASLEncoding.base64(SASLPlain.encode(authcid: "a", password: "b"))], mechanisms: ["PLAIN"])
        #expect(state.authenticationFailed().contains(.close("Too many failed authentication attempts")))
    }

    /// A store that cannot answer (an LDAP outage) is reported as such and is not a guess:
    /// it never brings the client closer to the failure limit.
    @Test func temporaryFailuresAreNotCountedAsGuesses() {
        var state = IRCRegistration()
        state.maxAuthFailures = 1
        for _ in 0..<3 {
            _ = state.authenticate(["PLAIN"], mechanisms: ["PLAIN"])
            let actions = state.authenticationFailed(temporary: true)
            #expect(actions.map(\.code) == [IRCNumeric.saslFail])
            #expect(!actions.contains(.close("Too many failed authentication attempts")))
        }
        #expect(state.authenticationFailed().contains(.close("Too many failed authentication attempts")))
    }

    @Test func tooLongResponseIs905() {
        var state = IRCRegistration()
        _ = state.authenticate(["PLAIN"], mechanisms: ["PLAIN"])
        let chunk = String(repeating: "A", count: 400)
        var last: [IRCRegistration.Action] = []
        for _ in 0..<4 { last = state.authenticate([chunk], mechanisms: ["PLAIN"]) }
        #expect(last.map(\.code) == [IRCNumeric.saslTooLong])
    }

    @Test func passForms() {
        var state = IRCRegistration()
        _ = state.pass(["bob:secret:with:colons"])
        _ = state.nickAccepted("alice")
        #expect(state.passCredentials == UsernamePassword(username: "bob", password: "secret:with:colons"))
        _ = state.pass(["justpw"])
        #expect(state.passCredentials == UsernamePassword(username: "alice", password: "justpw"))
    }

    @Test func reregistrationAndMissingParameters() {
        var state = IRCRegistration()
        #expect(state.user(["a", "0"]).map(\.code) == [IRCNumeric.needMoreParams])
        #expect(state.pass([]).map(\.code) == [IRCNumeric.needMoreParams])
        state.registered = true
        #expect(state.user(["a", "0", "*", "A"]).map(\.code) == [IRCNumeric.alreadyRegistered])
        #expect(state.pass(["x"]).map(\.code) == [IRCNumeric.alreadyRegistered])
    }

    @Test func floodControlLetsABurstPassThenHolds() {
        var flood = IRCFloodControl(burst: 3, rate: 1)
        let now = NIODeadline.now()
        for _ in 0..<3 { #expect(flood.next(now: now) == .process) }
        guard case .wait = flood.next(now: now) else {
            Issue.record("fourth line at once was not held")
            return
        }
        #expect(!flood.isFlooding(now: now, waiting: 3))
        #expect(flood.isFlooding(now: now, waiting: 4))
        #expect(flood.next(now: now + .seconds(1)) == .process)
    }

    @Test func nickSyntax() {
        #expect(IRCConnection.isValidNick("alice", maximumLength: 30))
        #expect(IRCConnection.isValidNick("[away]_x-1", maximumLength: 30))
        #expect(IRCConnection.isValidNick("José", maximumLength: 30))
        #expect(!IRCConnection.isValidNick("1abc", maximumLength: 30))
        #expect(!IRCConnection.isValidNick("-abc", maximumLength: 30))
        #expect(!IRCConnection.isValidNick("#chan", maximumLength: 30))
        #expect(!IRCConnection.isValidNick("a!b", maximumLength: 30))
        #expect(!IRCConnection.isValidNick("abcdef", maximumLength: 5))
    }
}

extension IRCRegistration.Action {
    /// The reply code of a `.reply` action (for compact expectations).
    var code: String? {
        if case .reply(let code, _) = self { return code }
        return nil
    }
}
