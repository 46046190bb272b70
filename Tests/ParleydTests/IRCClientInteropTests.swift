import Foundation
import ParleyIRC
import ParleyIRCNIO
import Testing

/// Parley's IRC client (`IRCClient`) against real servers on loopback: Debian's ngircd and
/// InspIRCd, with a python `irc` library client (Tests/Interop/irc/ircpeer.py) on the same
/// server. SASL is not covered here: InspIRCd's m_sasl only forwards to a services
/// server, and ngircd has none; it is tested against Parley's own irc-server.
@Suite(.serialized) struct IRCClientInteropTests {
    @Test func ngircdConnectJoinTalkAndReconnectAfterRestart() async throws {
        let server = try NgircdServer()
        defer { server.stop() }
        try await talkAndSurviveRestart(port: server.port, creatorIsOp: true, restart: server.restart)
    }

    @Test func inspircdConnectJoinTalkAndReconnectAfterRestart() async throws {
        let server = try InspIRCdServer()
        defer { server.stop() }
        // This InspIRCd set-up does not op a channel's creator, so no MODE step.
        let capabilities = try await talkAndSurviveRestart(
            port: server.port, creatorIsOp: false, restart: server.restart)
        // InspIRCd offers IRCv3; the wanted ones it has are negotiated.
        #expect(capabilities.isSuperset(of: ["multi-prefix", "server-time", "message-tags", "userhost-in-names"]))
    }

    @Test func ngircdNickCollisionGetsTheFallbackNick() async throws {
        let server = try NgircdServer()
        defer { server.stop() }
        try await secondClientGetsFallbackNick(port: server.port)
    }

    @Test func inspircdNickCollisionGetsTheFallbackNick() async throws {
        let server = try InspIRCdServer()
        defer { server.stop() }
        try await secondClientGetsFallbackNick(port: server.port)
    }

    @Test func ngircdTLSWithTheSelfSignedCertificateAsCA() async throws {
        let server = try NgircdServer()
        defer { server.stop() }
        try await tlsRegisters(port: server.tlsPort, certificate: server.certificate)
    }

    @Test func inspircdTLSWithTheSelfSignedCertificateAsCA() async throws {
        let server = try InspIRCdServer()
        defer { server.stop() }
        try await tlsRegisters(port: server.tlsPort, certificate: server.certificate)
    }

    // MARK: Scenarios

    /// Joins #test, exchanges a message with a python client, has the server restarted on
    /// the same port, then checks the rejoin and exchanges again. Returns the capabilities
    /// enabled on the first connection.
    @discardableResult
    func talkAndSurviveRestart(port: Int, creatorIsOp: Bool, restart: @escaping @Sendable () throws -> Void) async throws -> Set<String> {
        let client = try IRCClient(configuration: Self.configuration(port: port, nick: "parley"))
        let events = EventRecorder(client)
        await client.start()
        defer { Task { await client.stop() } }
        let firstJoin = try await events.wait("joined #test") { $0 == .joined(channel: "#test") }
        let capabilities = await client.enabledCapabilities
        try await exchange(client, events, port: port, after: firstJoin, round: "one", creatorIsOp: creatorIsOp)

        try await offThePool(restart)
        let lost = try await events.wait("disconnected", after: firstJoin) {
            if case .disconnected = $0 { return true }
            return false
        }
        let rejoined = try await events.wait("rejoined #test", after: lost, timeout: 30) { $0 == .joined(channel: "#test") }
        #expect(events.all[lost..<rejoined].contains { if case .registered = $0 { true } else { false } })
        try await exchange(client, events, port: port, after: rejoined, round: "two", creatorIsOp: creatorIsOp)
        await client.stop()
        return capabilities
    }

    /// One message each way with the python peer `pybot` in #test.
    func exchange(
        _ client: IRCClient, _ events: EventRecorder, port: Int, after start: Int, round: String, creatorIsOp: Bool
    ) async throws {
        // The peer and the restart wait off the cooperative pool: the client under test
        // needs it, and the other end-to-end tests' blocking waits share it.
        let peer = Task {
            try await Self.runPeer([
                "--port", String(port), "--nick", "pybot", "--join", "#test", "--say", "#test:hello \(round) from python",
                "--expect", "hello \(round) from parley", "--expect-member", "#test:parley", "--timeout", "60",
            ])
        }
        let heard = try await events.wait("python's message", after: start, timeout: 30) { event in
            guard case .message(let message) = event else { return false }
            return message.command == "PRIVMSG" && message.parameters == ["#test", "hello \(round) from python"]
                && message.source?.hasPrefix("pybot!") == true
        }
        #expect(heard > start)
        let members = await client.members(of: "#test") ?? []
        #expect(members.contains { $0.nick == "pybot" })
        if creatorIsOp {
            // ngircd makes the channel's creator its operator: voice pybot and watch the
            // MODE update the member list.
            #expect(members.first { $0.nick == "parley" }?.prefixes == "@")
            await client.send(IRCMessage(command: "MODE", parameters: ["#test", "+v", "pybot"]))
            // Generous: with every end-to-end suite running at once on two cores, a daemon
            // can take seconds to answer.
            let deadline = Date().addingTimeInterval(30)
            while await client.members(of: "#test")?.first(where: { $0.nick == "pybot" })?.prefixes != "+",
                Date() < deadline
            {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await client.members(of: "#test")?.first { $0.nick == "pybot" }?.prefixes == "+")
        }
        await client.send(IRCMessage(command: "PRIVMSG", parameters: ["#test", "hello \(round) from parley"]))
        let outcome = try await peer.value
        #expect(outcome.ok, "\(outcome.description)")
    }

    func secondClientGetsFallbackNick(port: Int) async throws {
        let first = try IRCClient(configuration: Self.configuration(port: port, nick: "twin", channels: [:]))
        let firstEvents = EventRecorder(first)
        await first.start()
        defer { Task { await first.stop() } }
        _ = try await firstEvents.wait("first registered") { $0 == .registered(nick: "twin") }

        let second = try IRCClient(configuration: Self.configuration(port: port, nick: "twin", channels: [:]))
        let secondEvents = EventRecorder(second)
        await second.start()
        defer { Task { await second.stop() } }
        _ = try await secondEvents.wait("fallback registered") { $0 == .registered(nick: "twin_") }
        #expect(secondEvents.all.contains(.nickRejected(nick: "twin", next: "twin_")))
        #expect(await second.nick == "twin_")
        await second.stop()
        await first.stop()
    }

    func tlsRegisters(port: Int, certificate: String) async throws {
        var configuration = Self.configuration(port: port, nick: "secure", channels: ["#tls": nil])
        configuration.tls = IRCClientTLS(verification: .caFile(certificate), serverName: "localhost")
        let client = try IRCClient(configuration: configuration)
        let events = EventRecorder(client)
        await client.start()
        defer { Task { await client.stop() } }
        _ = try await events.wait("registered over TLS") { $0 == .registered(nick: "secure") }
        _ = try await events.wait("joined #tls") { $0 == .joined(channel: "#tls") }
        await client.stop()

        // Without the CA, the system roots refuse the self-signed certificate.
        configuration.tls = IRCClientTLS(verification: .system, serverName: "localhost")
        configuration.reconnects = false
        let untrusting = try IRCClient(configuration: configuration)
        let refused = EventRecorder(untrusting)
        await untrusting.start()
        defer { Task { await untrusting.stop() } }
        _ = try await refused.wait("disconnected") { if case .disconnected = $0 { true } else { false } }
        #expect(!refused.all.contains { if case .registered = $0 { true } else { false } })
        await untrusting.stop()
    }

    // MARK: Helpers

    static func configuration(port: Int, nick: String, channels: [String: String?] = ["#test": nil])
        -> IRCClientConfiguration
    {
        IRCClientConfiguration(
            host: "127.0.0.1", port: port, nick: nick, channels: channels,
            rateLimit: .init(burst: 10, interval: 0.1), reconnectInitial: 0.2, reconnectMaximum: 1)
    }

    /// Runs ircpeer.py to completion; returns whether all its checks passed, and why not.
    static func runPeer(_ arguments: [String]) async throws -> (ok: Bool, description: String) {
        try await offThePool {
            let outcome = try PythonPeer.run("irc", "ircpeer.py", arguments, timeout: 45)
            return (outcome.ok, "\(outcome)")
        }
    }
}

/// Collects a client's events so a test can wait for one.
final class EventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [IRCClientEvent] = []

    init(_ client: IRCClient) {
        Task { [weak self] in
            for await event in client.events {
                guard let self else { return }
                self.lock.withLock { self.events.append(event) }
            }
        }
    }

    var all: [IRCClientEvent] { lock.withLock { events } }

    /// Waits until an event at an index ≥ `after` matches; returns its index.
    func wait(
        _ what: String, after start: Int = 0, timeout: TimeInterval = 20, _ predicate: (IRCClientEvent) -> Bool
    ) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let snapshot = all
            if start < snapshot.count, let index = snapshot[start...].firstIndex(where: predicate) { return index }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("no '\(what)' event within \(timeout) s; events:\n\(all.map { "\($0)" }.joined(separator: "\n"))")
    }
}
