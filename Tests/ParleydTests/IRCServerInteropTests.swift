import Foundation
import Testing

/// Real, independent IRC clients against the real `parleyd irc-server` on loopback: the
/// python `irc` library (Tests/Interop/irc/server_scenarios.py) and irssi under tmux
/// (Support/IrssiClient.swift with Tests/Interop/irc/irssi_partner.py on the other end).
/// The python scenarios were first checked against ngircd (see docs/irc-interop.md).
@Suite(.serialized) struct IRCServerInteropTests {
    /// A `parleyd irc-server` with a plain port (SASL PLAIN allowed on it: loopback only)
    /// and a TLS port with its self-signed certificate; alice, bob and carol are accounts.
    final class Server {
        let storage: TemporaryDirectory
        let daemon: ParleydProcess
        let port: UInt16
        let tlsPort: UInt16

        init() throws {
            storage = try TemporaryDirectory()
            for (user, password) in [("alice", "alicepass"), ("bob", "bobpass"), ("carol", "carolpass")] {
                try ParleydProcess.addUser(user, password: password, storage: storage.path)
            }
            tlsPort = try freePort()
            daemon = try ParleydProcess([
                "--domain", "localhost", "--storage", storage.path, "irc-server", "--port", "0",
                "--tls-port", "\(tlsPort)", "--allow-plain-without-tls",
            ])
            port = try daemon.listeningPort(of: "irc-server")
        }

        /// Runs one scenario of server_scenarios.py against this server.
        func scenario(_ name: String) throws -> PythonPeer.Outcome {
            try PythonPeer.run(
                "irc", "server_scenarios.py",
                [name, "--host", "127.0.0.1", "--port", "\(port)", "--tls-port", "\(tlsPort)", "--timeout", "45"],
                timeout: 60)
        }

        deinit { daemon.stop() }
    }

    /// Runs `scenario`, expects it to pass and every listed step to have passed.
    private func expectScenario(_ scenario: String, steps: [String]) throws {
        let server = try Server()
        let outcome = try server.scenario(scenario)
        #expect(outcome.ok, "\(outcome)\nparleyd log:\n\(server.daemon.log.suffix(3000))")
        for step in steps {
            #expect(outcome.checks[step] == true, "\(scenario): step \(step) did not pass")
        }
    }

    // MARK: python `irc` library

    @Test func registerWithCAP302AndSASLPlain() throws {
        try expectScenario(
            "register-cap-sasl",
            steps: ["cap_ls", "cap_ack", "sasl_903", "welcome", "isupport", "sasl_904", "sasl_account", "nick_in_use"])
    }

    @Test func talkInAChannelWithClientTagsMsgidAndServerTime() throws {
        try expectScenario(
            "talk",
            steps: [
                "join", "message_delivered", "client_tags_preserved", "msgid", "server_time", "echo_message",
                "answer_delivered", "private_message", "tagmsg", "action",
            ])
    }

    @Test func topicIsSetSeenAndReplayedOnJoin() throws {
        try expectScenario(
            "topic", steps: ["first_joiner_op", "topic_set", "topic_not_op", "topic_query", "topic_on_join"])
    }

    @Test func channelModesModeratedVoiceOpAndKey() throws {
        try expectScenario(
            "modes",
            steps: ["not_op_482", "moderated", "voice", "devoice", "op", "names_prefixes", "deop", "mode_query", "key", "mode_source"])
    }

    @Test func kickNeedsOpsAndRemovesTheMember() throws {
        try expectScenario(
            "kick", steps: ["kick_not_op", "kick", "kicked_gone", "kick_not_member", "rejoin_after_kick"])
    }

    @Test func banMaskKeepsTheUserOutUntilLifted() throws {
        try expectScenario("ban", steps: ["ban_set", "ban_list", "ban_join_474", "unban"])
    }

    @Test func awayWithAwayNotifyAnd301() throws {
        try expectScenario(
            "away", steps: ["now_away_306", "away_notify", "away_301", "unaway_305", "back_notify", "not_away_any_more"])
    }

    @Test func whoisShowsUserChannelsAndAccount() throws {
        try expectScenario("whois", steps: ["whois_311", "whois_319", "whois_330", "whois_318", "whois_401"])
    }

    @Test func registerAndTalkOverTLS() throws {
        try expectScenario("tls", steps: ["tls_registered", "tls_talk"])
    }

    // MARK: irssi under tmux

    /// irssi logs in with SASL PLAIN, joins #dev, answers the python client, sets the topic,
    /// goes away (the python client sees it with away-notify and gets 301), is whois'ed (330
    /// with its account) and whoises back.
    @Test(.enabled(if: IrssiClient.isInstalled)) func irssiWithSASLTalksSetsTopicGoesAwayAndIsWhoised() throws {
        let server = try Server()
        let irssi = try IrssiClient(nick: "carol", port: server.port, sasl: ("carol", "carolpass"))
        defer { irssi.stop() }
        try converse(irssi, server: server, topicAndAway: true)
    }

    /// irssi over TLS (certificate not verified) with SASL PLAIN talks with the python client.
    @Test(.enabled(if: IrssiClient.isInstalled)) func irssiOverTLS() throws {
        let server = try Server()
        let irssi = try IrssiClient(nick: "carol", port: server.tlsPort, tls: true, sasl: ("carol", "carolpass"))
        defer { irssi.stop() }
        try converse(irssi, server: server, topicAndAway: false)
    }

    /// irssi creates a channel and is its operator: `/names` shows `[@carol]`; it ops the python
    /// client (irssi_op_partner.py, which checks `@carol` in its NAMES and the MODE from irssi)
    /// and then shows `[@alice] [@carol]`.
    @Test(.enabled(if: IrssiClient.isInstalled)) func irssiCreatingAChannelIsOpAndSeesAnotherOp() throws {
        let server = try Server()
        let irssi = try IrssiClient(nick: "carol", port: server.port, sasl: ("carol", "carolpass"))
        defer { irssi.stop() }
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        let (channel, bye) = ("#irssi\(tag)", "bye from irssi \(tag)")
        try irssi.waitForLog(containing: "Welcome to the")
        var mark = irssi.logEnd
        try irssi.type("/join \(channel)")
        try irssi.waitForLog(containing: "carol [", "has joined \(channel)", after: mark)
        mark = irssi.logEnd
        try irssi.type("/names \(channel)")
        try irssi.waitForLog(containing: "[@carol]", after: mark)
        try irssi.waitForLog(containing: "\(channel): Total of 1 nicks [1 ops", after: mark)

        let arguments = [
            "--host", "127.0.0.1", "--port", "\(server.port)", "--channel", channel, "--peer", "carol", "--bye", bye,
        ]
        let partner = Background { [arguments] in
            try PythonPeer.run("irc", "irssi_op_partner.py", arguments, timeout: 100)
        }
        try irssi.waitForLog(containing: "alice [", "has joined \(channel)", after: mark, timeout: 30)
        mark = irssi.logEnd
        try irssi.type("/op alice")
        try irssi.waitForLog(containing: "mode/\(channel) [+o alice] by carol", after: mark)
        mark = irssi.logEnd
        try irssi.type("/names \(channel)")
        try irssi.waitForLog(containing: "[@alice]", "[@carol]", after: mark)
        try irssi.waitForLog(containing: "\(channel): Total of 2 nicks [2 ops", after: mark)
        try irssi.type(bye)
        try irssi.waitForLog(containing: "<@carol>", bye, after: mark)

        let outcome = try partner.wait(timeout: 110)
        #expect(outcome.ok, "\(outcome)\nirssi log:\n\(irssi.log)\nparleyd log:\n\(server.daemon.log.suffix(3000))")
        for step in ["peer_is_creator_op", "opped_by_peer", "names_two_ops", "peer_bye"] {
            #expect(outcome.checks[step] == true, "irssi op partner: step \(step) did not pass")
        }
    }

    /// The irssi side of irssi_partner.py, which runs meanwhile in the background.
    private func converse(_ irssi: IrssiClient, server: Server, topicAndAway: Bool) throws {
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        let (ping, pong, bye) = ("ping from python \(tag)", "pong from irssi \(tag)", "bye from irssi \(tag)")
        let topic = "irssi topic \(tag)"
        let away = "irssi is away \(tag)"
        try irssi.waitForLog(containing: "SASL authentication succeeded")
        try irssi.waitForLog(containing: "Welcome to the")
        var mark = irssi.logEnd
        try irssi.type("/join #dev")
        try irssi.waitForLog(containing: "carol [", "has joined #dev", after: mark)

        var arguments = [
            "--host", "127.0.0.1", "--port", "\(server.port)", "--peer", "carol", "--account", "carol",
            "--realname", irssi.realname, "--ping", ping, "--pong", pong, "--bye", bye,
        ]
        if topicAndAway { arguments += ["--topic", topic, "--away", away] }
        let partner = Background { [arguments] in
            try PythonPeer.run("irc", "irssi_partner.py", arguments, timeout: 100)
        }

        try irssi.waitForLog(containing: "alice [", "has joined #dev", after: mark, timeout: 30)
        try irssi.waitForLog(containing: "alice>", ping, after: mark)
        mark = irssi.logEnd
        try irssi.type(pong)
        if topicAndAway {
            try irssi.type("/topic \(topic)")
            try irssi.waitForLog(containing: "changed the topic of #dev to: \(topic)", after: mark)
            try irssi.type("/away \(away)")
            try irssi.waitForLog(containing: "You have been marked as being away", after: mark)
            try irssi.waitForLog(containing: "alice>", "are you there?", after: mark, timeout: 30)
        }
        mark = irssi.logEnd
        try irssi.type("/whois alice")
        let account = try irssi.waitForLog("the account line of /whois alice", after: mark) {
            $0.contains("account") && $0.contains("alice")
        }
        #expect(account.line.contains("alice"))
        try irssi.waitForLog(containing: "End of WHOIS", after: mark)
        try irssi.type(bye)

        let outcome = try partner.wait(timeout: 110)
        #expect(outcome.ok, "\(outcome)\nirssi log:\n\(irssi.log)\nparleyd log:\n\(server.daemon.log.suffix(3000))")
        var steps = ["sees_peer", "peer_answered", "peer_whois", "peer_realname", "peer_bye"]
        if topicAndAway { steps += ["peer_topic", "peer_away_notify", "peer_away_301"] }
        for step in steps {
            #expect(outcome.checks[step] == true, "irssi partner: step \(step) did not pass")
        }
    }
}

/// Runs a blocking piece of work on another thread; `wait` returns its result or throws.
private final class Background<Value>: @unchecked Sendable {
    // `result` is only touched under `lock`; `done` signals it is set.
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, any Error>?

    init(_ work: @escaping @Sendable () throws -> Value) {
        Thread.detachNewThread { [self] in
            let value = Result { try work() }
            lock.withLock { result = value }
            done.signal()
        }
    }

    func wait(timeout: TimeInterval) throws -> Value {
        guard done.wait(timeout: .now() + timeout) == .success else { throw TestFailure("background work timed out") }
        return try lock.withLock { result! }.get()
    }
}
