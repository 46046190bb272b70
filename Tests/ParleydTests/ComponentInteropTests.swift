import Foundation
import Testing

/// Interop (b): the real `parleyd echo --connect …` binary attached as an external XEP-0114
/// component to a real Prosody (Debian's), and a slixmpp client logged into Prosody that
/// talks to it (Tests/Interop/component-prosody/echo.py). Prosody is started by
/// Tests/Interop/xmpp/prosody/run-prosody.sh with `PROSODY_COMPONENT`, on loopback, and
/// stopped by its pid.
@Suite(.serialized) struct ComponentInteropTests {
    static let script = PythonPeer.root + "/Tests/Interop/xmpp/prosody/run-prosody.sh"

    /// A throwaway Prosody with the component `echo.localhost` and the user alice.
    final class Prosody {
        let directory: TemporaryDirectory
        let secret = "echo-" + UUID().uuidString.prefix(8).lowercased()
        private(set) var pid: Int32 = 0
        private(set) var port = 0
        private(set) var componentPort = 0

        init() throws {
            directory = try TemporaryDirectory()
            try apply(try Self.run(["start", directory.path], component: "echo.localhost:\(secret)"))
            _ = try Self.run(["register", directory.path, "alice", "alicepass"])
        }

        /// Stops Prosody and starts it again on the same directory and ports.
        func restart() throws {
            try apply(try Self.run(["restart", directory.path]))
        }

        func stop() {
            guard pid > 0 else { return }
            _ = try? Self.run(["stop", "\(pid)"])
            pid = 0
        }

        deinit { stop() }

        private func apply(_ output: String) throws {
            var values: [String: String] = [:]
            for line in output.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { values[parts[0]] = parts[1] }
            }
            guard let pid = values["PROSODY_PID"].flatMap(Int32.init), let port = values["PROSODY_PORT"].flatMap(Int.init),
                let componentPort = values["PROSODY_COMPONENT_PORT"].flatMap(Int.init)
            else { throw TestFailure("run-prosody.sh printed no pid/ports:\n\(output)") }
            (self.pid, self.port, self.componentPort) = (pid, port, componentPort)
        }

        /// Runs run-prosody.sh; returns its stdout, throws with its stderr when it fails.
        static func run(_ arguments: [String], component: String? = nil) throws -> String {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prosody") else {
                throw TestFailure("prosody is not installed: run scripts/install-peers (scripts/test does)")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [ComponentInteropTests.script] + arguments
            var environment = ProcessInfo.processInfo.environment
            environment["PROSODY_COMPONENT"] = component
            process.environment = environment
            let stdout = Pipe()
            let stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = FileHandle.nullDevice
            try process.run()
            // run-prosody.sh leaves Prosody running without our descriptors, so both ends come.
            let out = stdout.fileHandleForReading.readDataToEndOfFile()
            let err = stderr.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw TestFailure(
                    "run-prosody.sh \(arguments.joined(separator: " ")) failed: \(String(decoding: err, as: UTF8.self))")
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// Runs the slixmpp scenario against this Prosody.
        func echoScenario() throws -> PythonPeer.Outcome {
            try PythonPeer.run(
                "component-prosody", "echo.py",
                ["--host", "127.0.0.1", "--port", "\(port)", "--domain", "localhost", "--component", "echo.localhost"])
        }
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
        let prosody = try Prosody()
        defer { prosody.stop() }
        let echo = try ParleydProcess([
            "echo", "--connect", "127.0.0.1:\(prosody.componentPort)", "--domain", "echo.localhost", "--secret",
            prosody.secret, "--reconnect-max", "1",
        ])
        defer { echo.stop() }
        try Self.waitForHandshakes(1, echo)

        let first = try prosody.echoScenario()
        #expect(first.ok, "\(first)")
        #expect(first.checks["echo_body"] == true)
        #expect(first.checks["subscription_granted"] == true)

        // Prosody goes away and comes back on the same ports: the component reconnects
        // (backoff capped at 1 s here) and echoes again.
        try prosody.restart()
        try Self.waitForHandshakes(2, echo)
        let second = try prosody.echoScenario()
        #expect(second.ok, "\(second)")

        echo.signal(SIGTERM)
        #expect(echo.waitForExit() == 0, "parleyd echo did not stop cleanly:\n\(echo.log)")
        #expect(echo.log.contains("component stopped"))
    }

    /// The same binary and scenario against Parley's own router: `xmpp-c2s` and `xmpp-router`
    /// in one `parleyd`, the echo component in another, joined over XEP-0114.
    @Test func parleydsEchoComponentAnswersThroughParleysRouter() throws {
        let storage = try TemporaryDirectory()
        let added = try ParleydProcess.run(["user", "add", "alice", "--storage", storage.path], input: "alicepass\n")
        guard added.status == 0 else { throw TestFailure("user add: \(added.stderr)") }
        let secret = "echo-" + UUID().uuidString.prefix(8).lowercased()
        let config = storage.path + "/parley.yaml"
        try """
            domain: localhost
            storage: \(storage.path)
            plugins:
              - plugin: xmpp-c2s
                port: 0
              - plugin: xmpp-router
                port: 0
                components: echo.localhost=\(secret)
            """.write(toFile: config, atomically: true, encoding: .utf8)
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
        let prosody = try Prosody()
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
