import Foundation
import IRCTestSupport
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// The server around registration: ISUPPORT, MOTD, LUSERS, VERSION, PING, timeouts, flood
/// control, bad input, TLS, QUIT and shutdown.
@Suite(.serialized) struct ServerTests {
    @Test func isupportTokens() async throws {
        let server = try await ServerHarness { $0.network = "TestNet" }
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice")
        var support = ISupport()
        for line in client.received where line.command == IRCNumeric.isupport { support.apply(line) }
        for name in ["CASEMAPPING", "CHANTYPES", "PREFIX", "CHANMODES", "NICKLEN", "CHANNELLEN", "TOPICLEN", "MODES", "NETWORK", "AWAYLEN", "KICKLEN", "MAXTARGETS"] {
            #expect(support.contains(name), "005 lacks \(name)")
        }
        // IRCv3 utf8-only is the default; whox is answered.
        #expect(support.contains("UTF8ONLY") && support.contains("WHOX"))
        #expect(support["USERLEN"] == .some("16"))
        #expect(support["CASEMAPPING"] == .some("ascii"))
        #expect(support["CHANTYPES"] == .some("#"))
        #expect(support["NETWORK"] == .some("TestNet"))
        #expect(support.prefixes.contains { $0.mode == "o" && $0.symbol == "@" })
        #expect(client.received.filter { $0.command == IRCNumeric.isupport }.allSatisfy { $0.parameters.count <= 15 })
    }

    @Test func motdFromFileAndLusers() async throws {
        let path = NSTemporaryDirectory() + "motd-\(UUID().uuidString).txt"
        try "first line\nsecond line\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await ServerHarness { $0.motdFile = path }
        defer { Task { await server.stop() } }
        let alice = try await server.registered("alice")
        let motd = alice.received.filter { $0.command == IRCNumeric.motd }.map { $0.parameters[1] }
        #expect(motd == ["- first line", "- second line"])
        let bob = try await server.registered("bob")
        bob.send("LUSERS")
        let users = try await bob.waitFor(IRCNumeric.lUserClient)
        // Both are invisible (+i, the default).
        #expect(users.parameters[1] == "There are 0 users and 2 invisible on 1 servers")
        try await bob.waitFor(IRCNumeric.globalUsers)
        bob.send("MOTD")
        try await bob.waitFor(IRCNumeric.motdStart)
        try await bob.waitFor(IRCNumeric.endOfMotd)
    }

    @Test func versionAndUnknownCommand() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice")
        client.send("VERSION")
        let version = try await client.waitFor("351")
        #expect(version.parameters[1].hasPrefix("parley"))
        client.send("FROBNICATE now")
        let unknown = try await client.waitFor(IRCNumeric.unknownCommand)
        #expect(unknown.parameters[1] == "FROBNICATE")
    }

    @Test func pingPong() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice")
        client.send("PING :token 123")
        let pong = try await client.waitFor("PONG")
        #expect(pong.parameters == [ServerHarness.domain, "token 123"])
        client.send("PING")
        try await client.waitFor("409")
    }

    @Test func idleClientIsPingedThenTimedOut() async throws {
        let server = try await ServerHarness {
            $0.pingInterval = 0.5
            $0.pingTimeout = 2
        }
        defer { Task { await server.stop() } }
        // One client answers the PING and stays; the other is silent and is closed.
        let quiet = try await server.registered("alice")
        let awake = try await server.registered("bob")
        let ping = try await awake.waitFor("PING", timeout: 5)
        awake.send("PONG :" + (ping.parameters.first ?? ""))
        try await quiet.waitFor("PING", timeout: 5)
        let error = try await quiet.waitForClose(timeout: 5)
        #expect(error?.hasPrefix("Ping timeout") == true)
        #expect(!awake.isClosed)
        let next = try await awake.waitFor("PING", timeout: 5)
        awake.send("PONG :" + (next.parameters.first ?? ""))
        awake.send("PING :still-here")
        try await awake.waitFor("PONG")
    }

    @Test func aBurstPassesAndSustainedFloodDisconnects() async throws {
        let server = try await ServerHarness {
            $0.floodBurst = 5
            $0.floodRate = 1
        }
        defer { Task { await server.stop() } }
        let flooder = try await server.registered("alice")
        let bystander = try await server.registered("bob")
        try await Task.sleep(for: .seconds(5))  // let registration's penalty drain
        // A burst of `burst` lines is answered at once.
        flooder.send(lines: (1...5).map { "PING :b\($0)" })
        for index in 1...5 { try await flooder.waitFor("PONG", timeout: 2) { $0.parameters.last == "b\(index)" } }
        // Lines beyond are held, not dropped: the next ones are answered later.
        flooder.send(lines: (1...3).map { "PING :h\($0)" })
        for index in 1...3 { try await flooder.waitFor("PONG", timeout: 6) { $0.parameters.last == "h\(index)" } }
        // A sustained flood gets ERROR :Excess Flood.
        flooder.send(lines: (1...40).map { "PING :f\($0)" })
        #expect(try await flooder.waitForClose() == "Excess Flood")
        let answered = flooder.received.filter { $0.command == "PONG" && $0.parameters.last?.hasPrefix("f") == true }
        #expect(answered.count < 40)
        // Nobody else is disturbed.
        bystander.send("PING :fine")
        try await bystander.waitFor("PONG") { $0.parameters.last == "fine" }
    }

    @Test func overLongBodyIs417AndTheConnectionGoesOn() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice")
        client.send("PING :" + String(repeating: "x", count: 600))
        try await client.waitFor(IRCNumeric.inputTooLong)
        client.send("PING :after")
        try await client.waitFor("PONG") { $0.parameters.last == "after" }
    }

    /// IRCv3 message-tags: a client's tag data is at most 4094 bytes; more is 417 and the
    /// message is not delivered.
    @Test func clientTagsOver4094BytesAre417() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice", caps: ["message-tags"])
        let other = try await server.registered("bob")
        client.send("@+x=" + String(repeating: "a", count: 4092) + " PRIVMSG bob :too many tags")
        try await client.waitFor(IRCNumeric.inputTooLong)
        client.send("@+x=" + String(repeating: "a", count: 4090) + " PRIVMSG bob :fits")
        #expect(try await other.waitFor("PRIVMSG").parameters.last == "fits")
    }

    /// modern.ircdocs.horse ERR_INPUTTOOLONG: a line past the framer's limit (tags beyond
    /// 8191 bytes) is dropped, answered with 417, and the next line is read as usual.
    @Test func lineBeyondTheFramerLimitIs417AndTheConnectionGoesOn() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice")
        let other = try await server.registered("bob")
        let tags = "@+x=" + String(repeating: "a", count: IRCLimits.maximumLineBytes)
        client.sendRaw(Array((tags + " PRIVMSG bob :").utf8))
        client.sendRaw(Array("never delivered\r\n".utf8))
        try await client.waitFor(IRCNumeric.inputTooLong)
        client.send("PRIVMSG bob :after")
        try await other.waitFor("PRIVMSG") { $0.parameters.last == "after" }
        client.send("PING :still here")
        try await client.waitFor("PONG") { $0.parameters.last == "still here" }
    }

    @Test func nulInsideALineCloses() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice")
        client.sendRaw(Array("PRIVMSG bob :a".utf8) + [0] + Array("b\r\n".utf8))
        let error = try await client.waitForClose()
        #expect(error?.contains("NUL") == true)
    }

    @Test func tlsRegistration() async throws {
        let server = try await ServerHarness { $0.allowPlainWithoutTLS = false }
        defer { Task { await server.stop() } }
        let client = try await server.client(tls: true)
        try await client.register(nick: "alice", sasl: ("alice", "alicepw"), caps: ["message-tags"])
        client.send("PING :secure")
        try await client.waitFor("PONG")
    }

    @Test func quitClosesWithError() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice")
        client.send("QUIT :bye now")
        let error = try await client.waitForClose()
        #expect(error?.contains("bye now") == true)
        // The nick is free again.
        let again = try await server.registered("alice")
        #expect(!again.isClosed)
    }

    @Test func capListAndCapAfterRegistration() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let client = try await server.registered("alice", caps: ["echo-message"])
        client.send("CAP LIST")
        let list = try await client.waitFor("CAP") { $0.parameters[1] == "LIST" }
        #expect(list.parameters[0] == "alice")
        #expect(list.parameters[2].split(separator: " ").contains("echo-message"))
        client.send("CAP REQ :away-notify")
        let ack = try await client.waitFor("CAP") { $0.parameters[1] == "ACK" }
        #expect(ack.parameters[2] == "away-notify")
        client.send("CAP FOO")
        try await client.waitFor("410")
    }

    @Test func shutdownSendsError() async throws {
        let server = try await ServerHarness()
        let client = try await server.registered("alice")
        let waiting = try await server.client()
        waiting.send("PING :ready")
        try await waiting.waitFor("PONG")
        await server.group.triggerGracefulShutdown()
        let error = try await waiting.waitForClose()
        #expect(error == "Server shutting down")
        _ = try? await client.waitForClose()
        await server.stop()
    }

    @Test func shutdownSendsErrorOnce() async throws {
        let server = try await ServerHarness(accounts: [("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw")])
        var clients: [IRCTestClient] = []
        for nick in ["alice", "bob"] { clients.append(try await server.registered(nick)) }
        clients.append(try await server.client(tls: true))
        try await clients[2].register(nick: "carol", sasl: ("carol", "carolpw"))
        try await clients[2].waitFor("376")
        // The model's `.closed(.shutdown)` and the listener's graceful close race.
        async let model: Void = server.chat.shutdown()
        async let listener: Void = server.group.triggerGracefulShutdown()
        _ = await (model, listener)
        for client in clients {
            _ = try? await client.waitForClose()
            #expect(client.received.filter { $0.command == "ERROR" }.count == 1)
        }
        await server.stop()
    }

    @Test func maxConnections() async throws {
        let server = try await ServerHarness { $0.maxConnections = 1 }
        defer { Task { await server.stop() } }
        let first = try await server.client()
        let second = try await server.client()
        #expect(try await second.waitForClose() == "Too many connections")
        first.send("PING :x")
        try await first.waitFor("PONG")
    }
}
