import Foundation
import Testing

/// The real `parleyd` running xmpp-c2s and xmpp-router from one config file, with real
/// peers no one here wrote: the seed's echo bot as a Twisted/tx-xmpp external component
/// (Tests/Interop/component/txecho.py), a slixmpp client on c2s, and raw-socket
/// components that must be refused.
@Suite(.serialized) struct RouterInteropTests {
    static let echoDomain = "echo.localhost"
    static let echoSecret = "ech0-secret"
    static let webDomain = "web.localhost"
    static let webSecret = "w3b-secret"

    /// `parleyd --config` with c2s and the router on free ports, alice in a temporary store.
    final class Server {
        let storage: TemporaryDirectory
        let daemon: ParleydProcess
        let c2sPort: UInt16
        let routerPort: UInt16

        /// `extraPlugins`: more YAML plugin entries for the same process.
        init(extraPlugins: String = "") throws {
            storage = try TemporaryDirectory()
            try ParleydProcess.addUser("alice", password: "alicepass", storage: storage.path)
            let config = try ParleydProcess.writeRouterConfig(
                storage: storage.path, file: "router.yaml",
                components: "\(RouterInteropTests.echoDomain)=\(RouterInteropTests.echoSecret),\(RouterInteropTests.webDomain)=\(RouterInteropTests.webSecret)",
                extraPlugins: extraPlugins)
            daemon = try ParleydProcess(["--config", config])
            c2sPort = try daemon.listeningPort(of: "xmpp-c2s")
            routerPort = try daemon.listeningPort(of: "xmpp-router")
        }

        /// The tutorial's echo bot, connected and authenticated.
        func startEchoBot() throws -> BackgroundPeer {
            let bot = try BackgroundPeer(
                "component/txecho.py",
                ["--port", "\(routerPort)", "--domain", RouterInteropTests.echoDomain, "--secret", RouterInteropTests.echoSecret])
            let line = try daemon.waitForLog(#""message":"component connected""#)
            guard line.contains(RouterInteropTests.echoDomain) else { throw TestFailure("unexpected: \(line)") }
            try bot.waitForOutput("Authenticated!")
            return bot
        }

        func echoClient(_ extra: [String] = []) throws -> PythonPeer.Outcome {
            try PythonPeer.run(
                "component", "echo_client.py",
                ["--port", "\(c2sPort)", "--domain", "localhost", "--bot", RouterInteropTests.echoDomain] + extra)
        }

        deinit { daemon.stop() }
    }

    /// Interop (a): the seed's echo bot, written as in the tutorial against Twisted and
    /// tx-xmpp, answers a slixmpp client through Parley's c2s and router.
    @Test func theTutorialEchoBotAnswersASlixmppClient() throws {
        let server = try Server()
        let bot = try server.startEchoBot()
        defer { bot.stop() }
        let outcome = try server.echoClient()
        #expect(outcome.ok, "\(outcome)\nbot:\n\(bot.output)\nparleyd:\n\(server.daemon.log)")
        #expect(outcome.checks["echo_hi_body"] == true)
        // The bot's bare <presence/> at connect got an error, not the end of its stream.
        #expect(bot.isRunning)
        #expect(!bot.output.contains("Disconnected!"))
    }

    /// Interop (d): a wrong secret, a taken domain, a spoofed `from` and an unknown domain
    /// are refused with their stream errors, and the existing component keeps echoing.
    @Test func badComponentsAreRefusedAndTheEchoBotKeepsWorking() throws {
        let server = try Server()
        let bot = try server.startEchoBot()
        defer { bot.stop() }
        let refused = try PythonPeer.run(
            "component", "bad_components.py",
            [
                "--port", "\(server.routerPort)", "--taken", Self.echoDomain, "--taken-secret", Self.echoSecret,
                "--free", Self.webDomain, "--free-secret", Self.webSecret, "--user-jid", "alice@localhost",
            ])
        #expect(refused.ok, "\(refused)")
        for check in ["wrong_secret_not-authorized", "taken_domain_conflict", "spoofed_from_invalid-from", "unknown_domain_host-unknown"] {
            #expect(refused.checks[check] == true, "\(check): \(refused.info)")
        }
        let after = try server.echoClient(["--count", "1"])
        #expect(after.ok, "\(after)\nbot:\n\(bot.output)")
        #expect(bot.isRunning && !bot.output.contains("Disconnected!"), "\(bot.output)")
    }
}

extension RouterInteropTests {
    /// docs/xmpp-router.md, deployment 1: c2s, the router and the echo bot in process (no
    /// socket) in one `parleyd`; a component that claims the in-process bot's domain over
    /// the router is refused with conflict.
    @Test func deploymentOneProcessWithAnInProcessEchoBot() throws {
        let server = try Server(extraPlugins: "  - plugin: echo")
        _ = try server.daemon.waitForLog(#""message":"component running in process""#)
        let outcome = try server.echoClient()
        #expect(outcome.ok, "\(outcome)\nparleyd:\n\(server.daemon.log)")
        let claim = try PythonPeer.run(
            "component", "bad_components.py",
            [
                "--port", "\(server.routerPort)", "--taken", Self.echoDomain, "--taken-secret", Self.echoSecret,
                "--free", Self.webDomain, "--free-secret", Self.webSecret,
            ])
        #expect(claim.checks["taken_domain_conflict"] == true, "\(claim)")
        let after = try server.echoClient(["--count", "0"])
        #expect(after.ok, "\(after)")
    }

    /// docs/xmpp-router.md, deployment 2: c2s and the router in one `parleyd`, Parley's echo
    /// bot in another (`parleyd echo --connect …`), joined by XEP-0114.
    @Test func deploymentTwoProcessesJoinedByTheRouter() throws {
        let server = try Server()
        let storage = try TemporaryDirectory()
        let bot = try ParleydProcess([
            "echo", "--connect", "127.0.0.1:\(server.routerPort)", "--domain", Self.echoDomain, "--secret", Self.echoSecret,
            "--storage", storage.path,
        ])
        defer { bot.stop() }
        let line = try server.daemon.waitForLog(#""message":"component connected""#)
        #expect(line.contains(Self.echoDomain))
        let outcome = try server.echoClient()
        #expect(outcome.ok, "\(outcome)\nrouter:\n\(server.daemon.log)\nbot:\n\(bot.log)")
        // The bot's process stops gracefully; the router detaches its domain.
        bot.signal(SIGTERM)
        #expect(bot.waitForExit() == 0, "\(bot.log)")
        _ = try server.daemon.waitForLog(#""message":"component detached""#)
    }
}

/// A Python peer from Tests/Interop that runs until stopped (a component), stopped by its
/// own pid; its stdout and stderr are collected.
final class BackgroundPeer: @unchecked Sendable {
    private let process = Process()
    private let pipe = Pipe()
    private let lock = NSLock()
    private var text = ""

    init(_ script: String, _ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: PythonPeer.python) else {
            throw TestFailure("\(PythonPeer.python) is missing: run scripts/install-peers (scripts/test does)")
        }
        process.executableURL = URL(fileURLWithPath: PythonPeer.python)
        process.arguments = ["-u", "\(PythonPeer.root)/Tests/Interop/\(script)"] + arguments
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.text += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var output: String { lock.withLock { text } }
    var isRunning: Bool { process.isRunning }

    /// Waits for `needle` in the output while the process runs.
    func waitForOutput(_ needle: String, timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(needle) { return }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TestFailure("no '\(needle)' from the peer; output so far:\n\(output)")
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        pipe.fileHandleForReading.readabilityHandler = nil
    }

    deinit { stop() }
}
