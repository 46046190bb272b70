import Foundation
import Testing

/// The real `parleyd` against a real OpenLDAP `slapd` (PeerTestSupport's `SlapdServer`)
/// with `--auth ldap:…`: slixmpp gets its roster from LDAP groups, the python `irc`
/// library logs in with SASL PLAIN, and the directory's outages and slowness stay the
/// logins' problem only (docs/ldap.md).
@Suite(.serialized) struct LDAPInteropTests {
    /// The `ldap:` string for `slapd` in search mode with shared groups; `uri` replaces the
    /// server's (a proxy in front of it).
    static func auth(_ slapd: SlapdServer, uri: String? = nil, timeout: Double = 2, pool: Int = 8) -> String {
        "ldap:uri=\(uri ?? slapd.uri);base=\(SlapdServer.peopleBase);bind-dn=\(SlapdServer.serviceDN)"
            + ";bind-password=\(SlapdServer.servicePassword);group-base=\(SlapdServer.groupsBase)"
            + ";connect-timeout=1;timeout=\(timeout);retry=0.5;pool=\(pool)"
    }

    /// A `parleyd` running `plugin` (with `options`) on a free port, its users in `slapd`
    /// (through `auth`, or `auth(slapd)`), and the port it listens on.
    final class Daemon {
        let storage: TemporaryDirectory
        let process: ParleydProcess
        let port: UInt16

        init(_ slapd: SlapdServer, auth: String? = nil, domain: String, plugin: String, _ options: [String] = []) throws {
            storage = try TemporaryDirectory()
            process = try ParleydProcess(
                ["--domain", domain, "--storage", storage.path, "--auth", auth ?? LDAPInteropTests.auth(slapd), plugin,
                 "--port", "0"] + options)
            port = try process.listeningPort(of: plugin)
        }

        var log: String { process.log }

        deinit { process.stop() }
    }

    @Test func slixmppLogsInWithPlainAndGetsItsLDAPGroupRoster() throws {
        let slapd = try SlapdServer()
        let daemon = try Daemon(slapd, domain: "localhost", plugin: "xmpp-c2s")
        let port = daemon.port
        // alice is in Engineering with bob and carol; carol is also in Support (with dave),
        // which alice is not in: she sees carol under Engineering only, and no dave.
        let expected: [String: [String: Any]] = [
            "bob@localhost": ["name": "Bob Builder", "groups": ["Engineering"]],
            "carol@localhost": ["name": "Carol Danvers", "groups": ["Engineering"]],
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: expected), as: UTF8.self)
        let outcome = try PythonPeer.run(
            "ldap", "ldap_roster.py",
            ["--host", "127.0.0.1", "--port", "\(port)", "--domain", "localhost", "--tls", "starttls", "--expect", json])
        #expect(outcome.ok, "\(outcome)\nparleyd log:\n\(daemon.log.suffix(4000))")
        #expect(outcome.checks["roster_members"] == true)
        #expect(outcome.checks["alice_sees_bob_online"] == true)
        #expect(outcome.checks["no_scram_offered"] == true)
    }

    @Test func anIRCClientLogsInWithSASLPlainAgainstTheDirectory() throws {
        let slapd = try SlapdServer()
        let tlsPort = try freePort()
        let daemon = try Daemon(
            slapd, domain: "localhost", plugin: "irc-server", ["--tls-port", "\(tlsPort)", "--allow-plain-without-tls"])
        let port = daemon.port
        // SASL 903 for alice with her LDAP password, 904 for bob with a wrong one.
        let outcome = try PythonPeer.run(
            "irc", "server_scenarios.py",
            [
                "register-cap-sasl", "--host", "127.0.0.1", "--port", "\(port)", "--tls-port", "\(tlsPort)",
                "--user", "alice", "--password", "alice-secret", "--user2", "bob", "--password2", "bob-secret",
                "--timeout", "45",
            ], timeout: 60)
        #expect(outcome.ok, "\(outcome)\nparleyd log:\n\(daemon.log.suffix(4000))")
        for step in ["sasl_903", "sasl_904", "sasl_account"] {
            #expect(outcome.checks[step] == true, "step \(step)")
        }
    }

    /// slapd stops: a login fails at once with a clear error, sessions already open go on;
    /// slapd comes back: logins work again, with no restart of parleyd.
    @Test func anOutageFailsLoginsPromptlyAndSessionsGoOn() throws {
        let slapd = try SlapdServer()
        let daemon = try Daemon(slapd, domain: "example.test", plugin: "text-chat")
        let port = daemon.port
        let alice = try LineClient(port: port)
        alice.send("LOGIN alice alice-secret")
        try alice.expect(prefix: "OK logged in as alice@example.test/")
        let bob = try LineClient(port: port)
        bob.send("LOGIN bob bob-secret")
        try bob.expect(prefix: "OK logged in as bob@example.test/")

        slapd.stop()
        let carol = try LineClient(port: port)
        for attempt in 1...3 {
            let started = Date()
            carol.send("LOGIN carol carol-secret")
            try carol.expect(prefix: "ERR temporary-auth-failure")
            let waited = Date().timeIntervalSince(started)
            // connect-timeout is 1 s; a refused connection fails at once, and within `retry`
            // no new connection is even tried.
            #expect(waited < 3, "login \(attempt) took \(waited) s with slapd down")
        }
        // The log is read from parleyd's pipe as it comes: wait for the line, not a snapshot.
        #expect(throws: Never.self, "the log names the cause") { try daemon.process.waitForLog("unreachable", timeout: 10) }
        alice.send("MSG bob still here")
        try bob.expect(prefix: "MSG alice@example.test/")

        try slapd.start()
        var loggedIn = false
        for _ in 0..<40 where !loggedIn {
            carol.send("LOGIN carol carol-secret")
            guard let line = carol.readLine() else { break }
            if line.hasPrefix("OK logged in as carol@example.test/") {
                loggedIn = true
            } else {
                #expect(line.hasPrefix("ERR temporary-auth-failure"), "unexpected \(line)")
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        #expect(loggedIn, "carol could not log in after slapd came back:\n\(daemon.log.suffix(3000))")
        carol.send("MSG alice back again")
        try alice.expect(prefix: "MSG carol@example.test/")
    }

    /// Every LDAP answer takes 1.5 s (a proxy in front of slapd): eight logins wait on it
    /// (a service bind, a search and a bind each: about 4.5 s), and meanwhile two
    /// logged-in users' messages go through without waiting.
    @Test func aSlowDirectoryDelaysOnlyTheLoginsWaitingForIt() throws {
        let slapd = try SlapdServer()
        let proxy = try DelayProxy(target: slapd.port, delay: 1.5)
        defer { proxy.stop() }
        let daemon = try Daemon(
            slapd, auth: Self.auth(slapd, uri: "ldap://127.0.0.1:\(proxy.port)", timeout: 10), domain: "example.test",
            plugin: "text-chat")
        let port = daemon.port
        let alice = try LineClient(port: port)
        alice.send("LOGIN alice alice-secret")
        try alice.expect(prefix: "OK logged in as alice@example.test/")
        let bob = try LineClient(port: port)
        bob.send("LOGIN bob bob-secret")
        try bob.expect(prefix: "OK logged in as bob@example.test/")
        // bob is available once his presence went out, which waits for the first fetch of
        // the LDAP groups (through the slow proxy too): only then can alice reach him.
        try alice.expect(prefix: "PRESENCE bob@example.test/")

        let waiting = try (0..<8).map { _ in try LineClient(port: port) }
        for client in waiting { client.send("LOGIN carol carol-secret") }
        var slowest = 0.0
        for index in 0..<10 {
            let started = Date()
            alice.send("MSG bob ping \(index)")
            try bob.expect(prefix: "MSG alice@example.test/")
            slowest = max(slowest, Date().timeIntervalSince(started))
        }
        // One LDAP round trip takes 1.5 s: a message that waited behind a login would show it.
        #expect(slowest < 1.0, "a message took \(slowest) s while logins waited on LDAP")
        for client in waiting {
            try client.expect(prefix: "OK logged in as carol@example.test/")
        }
    }
}

/// Tests/Interop/ldap/delay_proxy.py in front of a server: every answer is late.
final class DelayProxy {
    let process = Process()
    let port: UInt16

    init(target: UInt16, delay: Double) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: PythonPeer.python)
        process.arguments = [
            PythonPeer.root + "/Tests/Interop/ldap/delay_proxy.py", "--target", "127.0.0.1:\(target)", "--delay", "\(delay)",
            "--max-seconds", "300",
        ]
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard line.hasPrefix("LISTENING "), let port = UInt16(line.dropFirst(10).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestFailure("delay_proxy.py did not start: \(line)")
        }
        self.port = port
    }

    /// Kills it by its pid (SIGKILL: children of the test process inherit a mask that
    /// blocks SIGTERM).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
