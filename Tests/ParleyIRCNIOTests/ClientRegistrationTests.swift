import ParleyIRC
import ParleyIRCNIO
import Testing

/// Registration, capability negotiation, SASL and nick fallback of `IRCClientState`.
@Suite struct ClientRegistrationTests {
    let config = IRCClientConfiguration(
        host: "irc.example", nick: "parley", username: "pu", realname: "Parley Bot", password: "serverpass")

    @Test func connectingSendsCapLSThenPassNickUser() {
        var state = IRCClientState(configuration: config)
        let actions = state.connected()
        #expect(actions.sentLines == ["CAP LS 302", "PASS serverpass", "NICK parley", "USER pu 0 * :Parley Bot"])
        #expect(actions.events == [.connected])
    }

    @Test func withoutCapabilitiesNoCapLS() {
        var state = IRCClientState(configuration: IRCClientConfiguration(host: "h", nick: "n", capabilities: []))
        #expect(state.connected().sentLines == ["NICK n", "USER n 0 * n"])
    }

    @Test func multiLineCapLSIsCollectedBeforeRequesting() {
        var state = IRCClientState(configuration: config)
        _ = state.connected()
        let first = state.feed(":srv CAP * LS * :multi-prefix sasl=PLAIN,EXTERNAL foo")
        #expect(first.isEmpty)
        let second = state.feed(":srv CAP * LS :server-time away-notify bar")
        // No SASL credentials: sasl is not requested.
        #expect(second.sentLines == ["CAP REQ :away-notify multi-prefix server-time"])
        #expect(state.offeredCapabilities["sasl"] == "PLAIN,EXTERNAL")
        let ack = state.feed(":srv CAP * ACK :away-notify multi-prefix server-time")
        #expect(ack.sentLines == ["CAP END"])
        #expect(ack.events == [.capabilitiesEnabled(["away-notify", "multi-prefix", "server-time"])])
        #expect(state.enabledCapabilities == ["away-notify", "multi-prefix", "server-time"])
    }

    @Test func nakEndsNegotiationWithNothingEnabled() {
        var state = IRCClientState(configuration: config)
        _ = state.connected()
        #expect(state.feed(":srv CAP * LS :multi-prefix").sentLines == ["CAP REQ multi-prefix"])
        let nak = state.feed(":srv CAP * NAK :multi-prefix")
        #expect(nak.sentLines == ["CAP END"])
        #expect(state.enabledCapabilities.isEmpty)
    }

    @Test func noWantedCapabilityOfferedEndsAtOnce() {
        var state = IRCClientState(configuration: config)
        _ = state.connected()
        #expect(state.feed(":srv CAP * LS :cap-notify something-else").sentLines == ["CAP END"])
    }

    @Test func saslPlainAuthenticatesThenEndsNegotiation() {
        var sasl = config
        sasl.sasl = .init(account: "alice", password: "secret")
        var state = IRCClientState(configuration: sasl)
        _ = state.connected()
        #expect(state.feed(":srv CAP * LS :sasl=PLAIN message-tags").sentLines == ["CAP REQ :message-tags sasl"])
        #expect(state.feed(":srv CAP * ACK :message-tags sasl").sentLines == ["AUTHENTICATE PLAIN"])
        // base64("\0alice\0secret")
        #expect(state.feed("AUTHENTICATE +").sentLines == ["AUTHENTICATE AGFsaWNlAHNlY3JldA=="])
        #expect(state.feed(":srv 900 parley parley!pu@host alice :You are now logged in as alice").isEmpty)
        let done = state.feed(":srv 903 parley :SASL authentication successful")
        #expect(done.sentLines == ["CAP END"])
        #expect(done.events.first == .authenticated(account: "alice"))
        #expect(state.account == "alice")
    }

    @Test func saslFailureGoesOnUnlessRequired() {
        var optional = config
        optional.sasl = .init(account: "alice", password: "wrong")
        var state = IRCClientState(configuration: optional)
        _ = state.connected()
        _ = state.feed(":srv CAP * LS :sasl", ":srv CAP * ACK :sasl", "AUTHENTICATE +")
        let failed = state.feed(":srv 904 parley :SASL authentication failed")
        #expect(failed.events.first == .authenticationFailed(reason: "SASL authentication failed"))
        #expect(failed.sentLines == ["CAP END"])

        var required = config
        required.sasl = .init(account: "alice", password: "wrong", required: true)
        var strict = IRCClientState(configuration: required)
        _ = strict.connected()
        _ = strict.feed(":srv CAP * LS :sasl", ":srv CAP * ACK :sasl", "AUTHENTICATE +")
        let refused = strict.feed(":srv 904 parley :SASL authentication failed")
        #expect(refused.last == .close)
        #expect(refused.sentLines == ["QUIT :SASL authentication failed"])
    }

    @Test func saslWithoutPlainMechanismIsNotRequested() {
        var sasl = config
        sasl.sasl = .init(account: "alice", password: "secret")
        var state = IRCClientState(configuration: sasl)
        _ = state.connected()
        #expect(state.feed(":srv CAP * LS :sasl=EXTERNAL").sentLines == ["CAP END"])
    }

    @Test func saslResponsesAreCutIn400ByteChunks() {
        #expect(IRCSASLPlain.split(String(repeating: "A", count: 100)) == [String(repeating: "A", count: 100)])
        let exact = IRCSASLPlain.split(String(repeating: "B", count: 800))
        #expect(exact == [String(repeating: "B", count: 400), String(repeating: "B", count: 400), "+"])
        let longer = IRCSASLPlain.split(String(repeating: "C", count: 401))
        #expect(longer.map(\.count) == [400, 1])
        #expect(IRCSASLPlain.split("") == ["+"])
        let chunks = IRCSASLPlain.chunks(account: "a", password: String(repeating: "p", count: 600))
        #expect(chunks.count == 3 && chunks[0].utf8.count == 400 && chunks.allSatisfy { $0.utf8.count <= 400 })
    }

    @Test func welcomeRegistersAndJoinsWantedChannels() {
        var state = IRCClientState(
            configuration: IRCClientConfiguration(
                host: "h", nick: "me", capabilities: [], channels: ["#b": nil, "#a": "key"]))
        _ = state.connected()
        let welcome = state.feed(":srv 001 me_ :Welcome")
        #expect(welcome.events == [.registered(nick: "me_")])
        #expect(welcome.sentLines == ["JOIN #a key", "JOIN #b"])
        #expect(state.isRegistered && state.nick == "me_")
    }

    @Test func pingIsAnsweredWithTheSameToken() {
        var state = IRCClientState(configuration: config)
        _ = state.connected()
        #expect(state.feed("PING :irc.example 123").sentLines == ["PONG :irc.example 123"])
        #expect(state.feed("PING token").sentLines == ["PONG token"])
    }

    @Test func nickCollisionTriesUnderscoreThenDigitsThenGivesUp() {
        var short = config
        short.nickAttempts = 3
        var state = IRCClientState(configuration: short)
        _ = state.connected()
        let first = state.feed(":srv 433 * parley :Nickname is already in use")
        #expect(first.sentLines == ["NICK parley_"])
        #expect(first.events == [.nickRejected(nick: "parley", next: "parley_")])
        #expect(state.feed(":srv 436 * parley_ :Nickname collision").sentLines == ["NICK parley1"])
        #expect(state.feed(":srv 432 * parley1 :Erroneous nickname").sentLines == ["NICK parley2"])
        let gaveUp = state.feed(":srv 433 * parley2 :Nickname is already in use")
        #expect(gaveUp.last == .close)
        #expect(gaveUp.sentLines.isEmpty)
        // After a refusal the reconnect waits the longest backoff.
        let after = state.disconnected(reason: "closed", jitter: 1)
        #expect(after.last == .scheduleReconnect(after: short.reconnectMaximum))
    }

    @Test func fallbackNicksRespectTheNickLength() {
        #expect(IRCNickFallback.nick(base: "abcdefghi", attempt: 1, maximumLength: 9) == "abcdefgh_")
        #expect(IRCNickFallback.nick(base: "abcdefghi", attempt: 11, maximumLength: 9) == "abcdefg10")
        #expect(IRCNickFallback.nick(base: "bob", attempt: 2, maximumLength: 9) == "bob1")
        #expect(IRCNickFallback.nick(base: "héééé", attempt: 1, maximumLength: 6) == "héé_")
        // A two-byte character that would not fit whole is left out.
        #expect(IRCNickFallback.nick(base: "héééé", attempt: 1, maximumLength: 5) == "hé_")
    }

    @Test func nickRefusalAfterRegistrationIsJustReported() {
        var state = registeredState()
        let actions = state.feed(":srv 433 me other :Nickname is already in use")
        #expect(actions.sentLines.isEmpty)
        #expect(state.nick == "me")
    }
}

/// cap-notify: capabilities that appear or go away after registration.
@Suite struct ClientCapabilityUpdateTests {
    @Test func capNewRequestsWantedOnesAndDelRemovesThem() {
        var state = IRCClientState(configuration: IRCClientConfiguration(host: "h", nick: "me"))
        _ = state.connected()
        _ = state.feed(":srv CAP * LS :multi-prefix", ":srv CAP * ACK :multi-prefix", ":srv 001 me :hi")
        #expect(state.feed(":srv CAP me NEW :away-notify unknown-cap").sentLines == ["CAP REQ away-notify"])
        _ = state.feed(":srv CAP me ACK :away-notify")
        #expect(state.enabledCapabilities == ["multi-prefix", "away-notify"])
        _ = state.feed(":srv CAP me DEL :multi-prefix")
        #expect(state.enabledCapabilities == ["away-notify"])
        _ = state.feed(":srv CAP me ACK :-away-notify")
        #expect(state.enabledCapabilities.isEmpty)
    }
}
