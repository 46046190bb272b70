import Foundation
import IRCTestSupport
import ParleyCore
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// Registration over a real socket: CAP, SASL PLAIN, PASS, guests, nick rules.
@Suite(.serialized) struct RegistrationTests {
    @Test func saslRegistrationWithCapGetsTheWelcomeBurst() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send("CAP LS 302")
        let ls = try await client.waitFor("CAP")
        #expect(ls.parameters[0] == "*")
        let caps = Set(ls.parameters[2].split(separator: " ").map(String.init))
        for name in [
            "message-tags", "server-time", "echo-message", "away-notify", "multi-prefix", "sasl=PLAIN",
            "userhost-in-names", "invite-notify", "cap-notify",
        ] {
            #expect(caps.contains(name), "CAP LS lacks \(name)")
        }
        // Offered only what the server sends: never account-notify (an account does not change).
        #expect(!caps.contains("account-notify"))
        for name in ["batch", "labeled-response", "extended-join", "chghost", "setname", "account-tag", "standard-replies"] {
            #expect(caps.contains(name), "CAP LS lacks \(name)")
        }
        client.send("NICK alice")
        client.send("USER alice 0 * :Alice A")
        // Registration waits for CAP END.
        #expect(await client.drain(seconds: 0.3).allSatisfy { $0.command != "001" })
        client.send("CAP REQ :sasl server-time")
        let ack = try await client.waitFor("CAP")
        #expect(ack.parameters[1] == "ACK" && ack.parameters[2] == "sasl server-time")
        client.send("AUTHENTICATE PLAIN")
        let challenge = try await client.waitFor("AUTHENTICATE")
        #expect(challenge.parameters == ["+"])
        client.send("AUTHENTICATE " + IRCTestClient.plainResponse(account: "alice", password: "alicepw"))
        let loggedIn = try await client.waitFor("900")
        #expect(loggedIn.parameters[1] == "alice!alice@example.test")
        #expect(loggedIn.parameters[2] == "alice")
        try await client.waitFor("903")
        client.send("CAP END")
        let welcome = try await client.waitFor("001")
        #expect(welcome.parameters[0] == "alice")
        #expect(welcome.parameters[1].hasSuffix("alice!alice@example.test"))
        for numeric in ["002", "003", "004", "005", "251", "255", "265", "266", "375", "372", "376"] {
            try await client.waitFor(numeric)
        }
        #expect(client.received.allSatisfy { $0.source == nil || $0.source == ServerHarness.domain || $0.command == "AUTHENTICATE" })
    }

    @Test func registrationWithoutCapUsingPass() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send("PASS alicepw")
        client.send("NICK alice")
        client.send("USER a 0 * :Alice")
        try await client.waitFor("900")
        try await client.waitFor("001")
        // The other PASS form: account:password, with any nick.
        let other = try await server.client()
        other.send("PASS bob:bobpw")
        other.send("NICK bobby")
        other.send("USER b 0 * :Bob")
        let welcome = try await other.waitFor("001")
        #expect(welcome.parameters[1].hasSuffix("bobby!bob@example.test"))
    }

    @Test func wrongPassIs464AndClose() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send(lines: ["PASS nope", "NICK alice", "USER a 0 * :A"])
        try await client.waitFor("464")
        #expect(try await client.waitForClose() != nil)
    }

    @Test func saslFailureAbortAndRetry() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send("CAP REQ :sasl")
        try await client.waitFor("CAP")
        client.send("AUTHENTICATE PLAIN")
        try await client.waitFor("AUTHENTICATE")
        client.send("AUTHENTICATE " + IRCTestClient.plainResponse(account: "alice", password: "wrong"))
        try await client.waitFor("904")
        client.send("AUTHENTICATE PLAIN")
        try await client.waitFor("AUTHENTICATE")
        client.send("AUTHENTICATE *")
        try await client.waitFor("906")
        client.send("AUTHENTICATE SCRAM-SHA-1")
        let mechanisms = try await client.waitFor("908")
        #expect(mechanisms.parameters[1] == "PLAIN")
        try await client.waitFor("904")
        client.send("AUTHENTICATE PLAIN")
        try await client.waitFor("AUTHENTICATE")
        client.send("AUTHENTICATE " + IRCTestClient.plainResponse(account: "alice", password: "alicepw"))
        try await client.waitFor("903")
        client.send("AUTHENTICATE PLAIN")
        try await client.waitFor("907")
        client.send(lines: ["NICK alice", "USER a 0 * :A", "CAP END"])
        try await client.waitFor("001")
    }

    @Test func repeatedSASLFailuresDisconnect() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        for _ in 0..<3 {
            client.send("AUTHENTICATE PLAIN")
            try await client.waitFor("AUTHENTICATE")
            client.send("AUTHENTICATE " + IRCTestClient.plainResponse(account: "alice", password: "wrong"))
            try await client.waitFor("904")
        }
        #expect(try await client.waitForClose() == "Too many failed authentication attempts")
    }

    @Test func plainNeedsTLSUnlessAllowed() async throws {
        let server = try await ServerHarness { $0.allowPlainWithoutTLS = false }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send("CAP LS 302")
        let ls = try await client.waitFor("CAP")
        #expect(!ls.parameters[2].contains("sasl"))
        client.send("AUTHENTICATE PLAIN")
        try await client.waitFor("904")
        client.send("PASS alice:alicepw")
        let pass = try await client.waitFor("464")
        #expect(pass.parameters[1].contains("TLS"))
        // Over TLS the same server offers it, and registration works.
        let secure = try await server.client(tls: true)
        secure.send("CAP LS 302")
        let secureLS = try await secure.waitFor("CAP")
        #expect(secureLS.parameters[2].split(separator: " ").contains("sasl=PLAIN"))
        try await secure.register(nick: "alice", sasl: ("alice", "alicepw"))
    }

    @Test func guestsAreRefusedByDefault() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send(lines: ["NICK visitor", "USER v 0 * :V"])
        let fail = try await client.waitFor("FAIL")
        #expect(fail.parameters.prefix(2) == ["*", "ACCOUNT_REQUIRED"])
        #expect(try await client.waitForClose() != nil)
    }

    @Test func guestsWhenAllowed() async throws {
        let server = try await ServerHarness { $0.allowGuests = true }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        let welcome = try await client.register(nick: "visitor")
        // The USER username, with `~`: nobody verified it (register sends `USER visitor`).
        #expect(welcome.parameters[1].hasSuffix("visitor!~visitor@example.test"))
        // A guest may not take an account's nick.
        let other = try await server.client()
        other.send(lines: ["NICK alice", "USER v 0 * :V"])
        let refused = try await other.waitFor("433")
        #expect(refused.parameters[1] == "alice")
        other.send("NICK visitor2")
        try await other.waitFor("001")
        // Nor switch to one later.
        client.send("NICK bob")
        try await client.waitFor("433")
    }

    @Test func guestsAreAnonymousLoginsTheModelKnows() async throws {
        let server = try await ServerHarness { $0.allowGuests = true }
        defer { Task { await server.stop() } }
        let dev = RoomID("dev")!
        var users: [UserID] = []
        for _ in 0..<2 {
            // The same nick, one guest after the other.
            let client = try await server.client()
            try await client.register(nick: "visitor")
            try await client.joinChannel("#dev")
            let state = try #require(await server.chat.room(dev)?.snapshot)
            let occupant = try #require(state.occupants[Nickname("visitor")!])
            #expect(occupant.isGuest)
            users.append(occupant.user)
            client.send("QUIT")
            _ = try await client.waitForClose()
        }
        // Each guest is a fresh anonymous user: the second never inherits the first's place.
        #expect(users[0] != users[1])
        let member = try await server.registered("alice")
        try await member.joinChannel("#dev")
        let state = try #require(await server.chat.room(dev)?.snapshot)
        #expect(state.occupants[Nickname("alice")!]?.isGuest == false)
    }

    @Test func protectionCanBeTurnedOff() async throws {
        let server = try await ServerHarness {
            $0.allowGuests = true
            $0.protectAccountNicks = false
        }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.register(nick: "alice")
    }

    @Test func accountMayNotTakeAnotherAccountsNick() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send("CAP REQ sasl")
        try await client.waitFor("CAP")
        client.send("AUTHENTICATE PLAIN")
        try await client.waitFor("AUTHENTICATE")
        client.send("AUTHENTICATE " + IRCTestClient.plainResponse(account: "alice", password: "alicepw"))
        try await client.waitFor("903")
        client.send(lines: ["NICK bob", "USER a 0 * :A", "CAP END"])
        try await client.waitFor("433")
        client.send("NICK Alice")
        let welcome = try await client.waitFor("001")
        #expect(welcome.parameters[0] == "Alice")
    }

    @Test func nickInUseAndErroneous() async throws {
        let server = try await ServerHarness(accounts: [("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw")])
        defer { Task { await server.stop() } }
        let alice = try await server.registered("alice")
        let bob = try await server.client()
        bob.send("NICK ALICE")
        let inUse = try await bob.waitFor("433")
        #expect(inUse.parameters == ["*", "ALICE", "Nickname is already in use"])
        bob.send("NICK 9lives")
        try await bob.waitFor("432")
        bob.send("NICK")
        try await bob.waitFor("431")
        // A registered client changing to a taken nick.
        try await bob.register(nick: "bob", sasl: ("bob", "bobpw"))
        bob.send("NICK alice")
        try await bob.waitFor("433")
        // And to a free one: NICK comes back with the old hostmask.
        bob.send("NICK bobby")
        let nick = try await bob.waitFor("NICK")
        #expect(nick.source == "bob!bob@example.test")
        #expect(nick.parameters == ["bobby"])
        // An account may take its own name back; another account may not.
        bob.send("NICK Bob")
        #expect(try await bob.waitFor("NICK").parameters == ["Bob"])
        alice.send("NICK carol")
        let reserved = try await alice.waitFor("433")
        #expect(reserved.parameters[1] == "carol")
        alice.send("NICK alicia")
        #expect(try await alice.waitFor("NICK").parameters == ["alicia"])
    }

    @Test func commandsBeforeRegistrationAre451() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send("JOIN #dev")
        let reply = try await client.waitFor("451")
        #expect(reply.parameters[0] == "*")
        client.send("PING :abc")
        #expect(try await client.waitFor("PONG").parameters.last == "abc")
    }

    @Test func reregistrationIs462AndUserNeedsParameters() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send("USER onlyone")
        try await client.waitFor("461")
        try await client.register(nick: "alice", sasl: ("alice", "alicepw"))
        client.send("USER a 0 * :again")
        try await client.waitFor("462")
        client.send("PASS again")
        try await client.waitFor("462")
    }

    @Test func latin1NickAndRealnameAreAcceptedWithoutUTF8Only() async throws {
        let server = try await ServerHarness {
            $0.allowGuests = true
            $0.utf8Only = false
        }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        // "José" and "Müller" in Latin-1: not valid UTF-8, read through the fallback.
        client.sendRaw(Array("NICK Jos".utf8) + [0xE9, 0x0D, 0x0A])
        client.sendRaw(Array("USER j 0 * :M".utf8) + [0xFC] + Array("ller\r\n".utf8))
        let welcome = try await client.waitFor("001")
        #expect(welcome.parameters[0] == "José")
    }

    /// IRCv3 utf8-only: a line that is not UTF-8 gets `FAIL <command> INVALID_UTF8` and is
    /// dropped, before registration as after it; valid lines go on.
    @Test func nonUTF8LinesAreRefusedWithFAIL() async throws {
        let server = try await ServerHarness { $0.allowGuests = true }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.sendRaw(Array("USER j 0 * :M".utf8) + [0xFC] + Array("ller\r\n".utf8))
        let fail = try await client.waitFor("FAIL")
        #expect(fail.parameters.prefix(2) == ["USER", "INVALID_UTF8"])
        try await client.register(nick: "jose")
        let peer = try await server.registered("bob")
        client.sendRaw(Array("PRIVMSG bob :caf".utf8) + [0xE9, 0x0D, 0x0A])
        let refused = try await client.waitFor("FAIL")
        #expect(refused.parameters.prefix(2) == ["PRIVMSG", "INVALID_UTF8"])
        client.send("PRIVMSG bob :café")
        let delivered = try await peer.waitFor("PRIVMSG")
        #expect(delivered.parameters.last == "café")
    }

    /// Refused lines count against the flood limit like any other.
    @Test func aFloodOfRefusedLinesIsExcessFlood() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice")
        client.sendRaw(Array(repeating: [UInt8(0xFF), 0x0D, 0x0A], count: 40).flatMap { $0 })
        #expect(try await client.waitForClose() == "Excess Flood")
    }

    @Test func registrationTimesOut() async throws {
        let server = try await ServerHarness { $0.registrationTimeout = 1 }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send("NICK slow")
        #expect(try await client.waitForClose(timeout: 5) == "Registration timeout")
    }
}
