import Foundation
import Testing

/// Interop (b): the real `parleyd echo --connect …` binary attached as an external XEP-0114
/// component to a real Prosody (Debian's), and a slixmpp client logged into Prosody that
/// talks to it (Tests/Interop/component-prosody/echo.py). Prosody is started by
/// Tests/Interop/xmpp/prosody/run-prosody.sh with `PROSODY_COMPONENT`, on loopback, and
/// stopped by its pid.
@Suite(.serialized) struct ComponentInteropTests {
    /// A throwaway Prosody with the component `echo.localhost` and the user alice.
    static func prosody() throws -> ProsodyServer {
        try ProsodyServer(component: "echo.localhost", secretPrefix: "echo-")
    }

    /// Runs the slixmpp scenario against `prosody`.
    static func echoScenario(_ prosody: ProsodyServer) throws -> PythonPeer.Outcome {
        try PythonPeer.run(
            "component-prosody", "echo.py",
            ["--host", "127.0.0.1", "--port", "\(prosody.port)", "--domain", "localhost", "--component", "echo.localhost"])
    }

    /// How many times the daemon logged a successful handshake.
    static func handshakes(_ daemon: ParleydProcess) -> Int {
        daemon.log.split(separator: "\n").filter { $0.contains("\"component connected\"") }.count
    }

    static func waitForHandshakes(_ count: Int, _ daemon: ParleydProcess, timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if handshakes(daemon) >= count { return }
            guard daemon.process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("fewer than \(count) 'component connected' lines; log so far:\n\(daemon.log)")
    }

    @Test func parleydsEchoComponentAnswersThroughProsodyAndSurvivesARestart() throws {
        let prosody = try Self.prosody()
        defer { prosody.stop() }
        let echo = try ParleydProcess([
            "echo", "--connect", "127.0.0.1:\(prosody.componentPort)", "--domain", "echo.localhost", "--secret",
            prosody.secret, "--reconnect-max", "1",
        ])
        defer { echo.stop() }
        try Self.waitForHandshakes(1, echo)

        let first = try Self.echoScenario(prosody)
        #expect(first.ok, "\(first)")
        #expect(first.checks["echo_body"] == true)
        #expect(first.checks["subscription_granted"] == true)

        // Prosody goes away and comes back on the same ports: the component reconnects
        // (backoff capped at 1 s here) and echoes again.
        try prosody.restart()
        try Self.waitForHandshakes(2, echo)
        let second = try Self.echoScenario(prosody)
        #expect(second.ok, "\(second)")

        echo.signal(SIGTERM)
        #expect(echo.waitForExit() == 0, "parleyd echo did not stop cleanly:\n\(echo.log)")
        #expect(echo.log.contains("component stopped"))
    }

    /// The same binary and scenario against Parley's own router: `xmpp-c2s` and `xmpp-router`
    /// in one `parleyd`, the echo component in another, joined over XEP-0114.
    @Test func parleydsEchoComponentAnswersThroughParleysRouter() throws {
        let storage = try TemporaryDirectory()
        try ParleydProcess.addUser("alice", password: "alicepass", storage: storage.path)
        let secret = "echo-" + UUID().uuidString.prefix(8).lowercased()
        let config = try ParleydProcess.writeRouterConfig(
            storage: storage.path, file: "parley.yaml", components: "echo.localhost=\(secret)")
        let server = try ParleydProcess(["--config", config])
        defer { server.stop() }
        let c2s = try server.listeningPort(of: "xmpp-c2s")
        let router = try server.listeningPort(of: "xmpp-router")
        let echo = try ParleydProcess([
            "echo", "--connect", "127.0.0.1:\(router)", "--domain", "echo.localhost", "--secret", secret,
            "--storage", storage.path + "/echo",
        ])
        defer { echo.stop() }
        try Self.waitForHandshakes(1, echo)
        let outcome = try PythonPeer.run(
            "component-prosody", "echo.py",
            ["--host", "127.0.0.1", "--port", "\(c2s)", "--domain", "localhost", "--component", "echo.localhost"])
        #expect(outcome.ok, "\(outcome)")
        echo.signal(SIGTERM)
        #expect(echo.waitForExit() == 0, "parleyd echo did not stop cleanly:\n\(echo.log)")
    }

    @Test func aWrongSecretIsRefusedClearlyAndRetried() throws {
        let prosody = try Self.prosody()
        defer { prosody.stop() }
        let echo = try ParleydProcess([
            "echo", "--connect", "127.0.0.1:\(prosody.componentPort)", "--domain", "echo.localhost", "--secret",
            "not-" + prosody.secret, "--reconnect-max", "0.2",
        ])
        defer { echo.stop() }
        let refusal = try echo.waitForLog("component refused by the server")
        #expect(refusal.contains("not-authorized"), "\(refusal)")
        #expect(refusal.contains("--secret"), "the log should say what to check: \(refusal)")
        // It keeps trying (a second refusal), and never connects.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline,
            echo.log.split(separator: "\n").filter({ $0.contains("component refused by the server") }).count < 2
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(echo.log.split(separator: "\n").filter { $0.contains("component refused by the server") }.count >= 2)
        #expect(Self.handshakes(echo) == 0)
    }
}
