import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Interop (c) of issue 4: a real slixmpp client (Tests/Interop/webstatus) against the real
/// `parleyd --config` running xmpp-c2s and web-status in one process, and against a real
/// Prosody with `parleyd web-status --connect` as its external component. The client
/// discovers the component, registers through its XEP-0077 form, approves its
/// subscription and sets presence; this test then reads the status page over HTTP itself,
/// and again after the client removed its registration.
@Suite(.serialized) struct WebStatusInteropTests {
    @Test func slixmppRegistersAndTheStatusPageShowsItsPresence() throws {
        let dir = try TemporaryDirectory()
        let storage = dir.path + "/storage"
        let added = try ParleydProcess.run(["user", "add", "alice", "--storage", storage], input: "alicepass\n")
        #expect(added.status == 0, "\(added.stderr)")
        let config = dir.path + "/parley.yaml"
        try """
            domain: localhost
            storage: \(storage)
            plugins:
              - plugin: xmpp-c2s
                port: 0
                require-tls: false
                allow-plain-without-tls: true
                auth-failure-delay: 0.2
              - plugin: web-status
                http-port: 0
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try ParleydProcess(["--config", config])
        defer { daemon.stop() }
        let c2s = try daemon.listeningPort(of: "xmpp-c2s")
        let http = try daemon.listeningPort(of: "web-status")

        let client = try PausedScenario(
            "webstatus", "register_status.py",
            ["--host", "127.0.0.1", "--port", "\(c2s)", "--domain", "localhost", "--tls", "none", "--pause",
                "--expect-listed", "--timeout", "60"])
        defer { client.stop() }
        let ready = try client.waitForReady()
        let url = try #require(ready["url"] as? String)
        #expect(url.hasPrefix("http://127.0.0.1:\(http)/status/"), "\(url)")
        let path = String(url.dropFirst("http://127.0.0.1:\(http)".count))

        // While alice is registered, away, "in a meeting": the page and its JSON say so.
        let page = try blockingGet(port: http, path: path)
        #expect(page.status == 200)
        #expect(page.body.contains("Away") && page.body.contains("in a meeting"), "\(page.body)")
        #expect(!page.body.contains("alice@localhost"))
        let json = try blockingGet(port: http, path: path + ".json")
        let object = try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: String]
        #expect(object == ["availability": "away", "status": "in a meeting"])
        #expect(try blockingGet(port: http, path: "/status/00000000000000000000000000000000").status == 404)
        let file = try String(contentsOfFile: storage + "/web-status/status.localhost.registrations", encoding: .utf8)
        #expect(file.contains("[user alice@localhost]"))

        // Let the client remove its registration; the page is gone.
        let outcome = try client.resume()
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["page_shows_away"] == true)
        #expect(outcome.checks["component_unsubscribed"] == true)
        #expect(try blockingGet(port: http, path: path).status == 404)

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0, "\(daemon.log)")
    }

    /// The same component as an external XEP-0114 component of a real Prosody, with no code
    /// difference; the slixmpp client is Prosody's. While the client is away, web-status is
    /// restarted on its storage: it reconnects, probes alice, and the page shows her again.
    @Test func asAnExternalComponentOfProsodyItSurvivesARestart() throws {
        let prosody = try ProsodyServer(component: "status.localhost", secretPrefix: "ws")
        defer { prosody.stop() }
        let dir = try TemporaryDirectory()
        let http = try freePort()
        let arguments = [
            "--domain", "localhost", "--storage", dir.path + "/storage", "web-status", "--connect",
            "127.0.0.1:\(prosody.componentPort)", "--domain", "status.localhost", "--secret", prosody.secret,
            "--http-port", "\(http)", "--reconnect-max", "1",
        ]
        var daemon = try ParleydProcess(arguments)
        defer { daemon.stop() }
        _ = try daemon.waitForLog("\"component connected\"")

        let client = try PausedScenario(
            "webstatus", "register_status.py",
            ["--host", "127.0.0.1", "--port", "\(prosody.port)", "--domain", "localhost", "--tls", "none", "--pause",
                "--expect-listed", "--timeout", "90"])
        defer { client.stop() }
        let url = try #require(try client.waitForReady()["url"] as? String)
        let path = String(url.dropFirst("http://127.0.0.1:\(http)".count))
        #expect(url.hasPrefix("http://127.0.0.1:\(http)/status/"), "\(url)")
        #expect(try blockingGet(port: http, path: path).body.contains("in a meeting"))

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0, "\(daemon.log)")
        daemon = try ParleydProcess(arguments)
        _ = try daemon.waitForLog("\"component connected\"")
        // RFC 6121 §4.3: Prosody answers the component's probe with alice's presence.
        let deadline = Date().addingTimeInterval(10)
        var page = try? blockingGet(port: http, path: path)
        while Date() < deadline, page?.body.contains("in a meeting") != true {
            Thread.sleep(forTimeInterval: 0.05)
            page = try? blockingGet(port: http, path: path)
        }
        #expect(page?.status == 200)
        #expect(page?.body.contains("Away") == true && page?.body.contains("in a meeting") == true, "\(daemon.log)")

        let outcome = try client.resume()
        #expect(outcome.ok, "\(outcome)")
        #expect(outcome.checks["component_listed"] == true, "Prosody lists its components in disco#items")
        #expect(try blockingGet(port: http, path: path).status == 404)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0, "\(daemon.log)")
    }
}

/// A scenario script started with `--pause`: it prints a `{"ready": …}` line, waits for a
/// line on its standard input, then finishes and prints its result line.
private final class PausedScenario: @unchecked Sendable {
    // `output` is only touched under `lock`.
    private let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    private let stderr = Pipe()
    private let lock = NSLock()
    private var output = ""
    private var errors = ""

    init(_ folder: String, _ script: String, _ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: PythonPeer.python) else {
            throw TestFailure("\(PythonPeer.python) is missing: run scripts/install-peers (scripts/test does)")
        }
        process.executableURL = URL(fileURLWithPath: PythonPeer.python)
        process.arguments = ["\(PythonPeer.root)/Tests/Interop/\(folder)/\(script)"] + arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
        }
        stderr.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.errors += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    private var lines: [Substring] { lock.withLock { output.split(separator: "\n") } }

    /// The ready line's object; fails when the script ended or timed out first.
    func waitForReady(timeout: TimeInterval = 40) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for line in lines where line.contains("\"ready\"") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] { return object }
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TestFailure("no ready line; stdout: \(lock.withLock { output }); stderr: \(lock.withLock { errors })")
    }

    /// Lets the script go on, waits for it to end and returns its result.
    func resume(timeout: TimeInterval = 30) throws -> PythonPeer.Outcome {
        stdin.fileHandleForWriting.write(Data("go\n".utf8))
        try stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !process.isRunning else { throw TestFailure("the scenario did not finish within \(timeout) s") }
        // Let the readers drain what the process wrote last.
        stdout.fileHandleForReading.readabilityHandler = nil
        stderr.fileHandleForReading.readabilityHandler = nil
        let rest = stdout.fileHandleForReading.readDataToEndOfFile()
        let restErrors = stderr.fileHandleForReading.readDataToEndOfFile()
        lock.withLock {
            output += String(decoding: rest, as: UTF8.self)
            errors += String(decoding: restErrors, as: UTF8.self)
        }
        let last = lines.last.map(String.init) ?? ""
        let json = (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: Any] ?? [:]
        return PythonPeer.Outcome(status: process.terminationStatus, json: json, stderr: lock.withLock { errors })
    }

    /// Stops the script by its pid if it still runs.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        stdout.fileHandleForReading.readabilityHandler = nil
        stderr.fileHandleForReading.readabilityHandler = nil
    }

    deinit { stop() }
}

/// A blocking HTTP/1.1 GET to 127.0.0.1 over a raw socket (`Connection: close`, read to
/// the end): the status and the body (chunked bodies are not expected: pages are small).
private func blockingGet(port: UInt16, path: String) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw TestFailure("connect to 127.0.0.1:\(port) failed") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 && errno == EINTR { continue }  // another test's SIGCHLD, not the end
        guard count > 0 else { break }
        bytes += chunk[..<count]
    }
    let text = String(decoding: bytes, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n"), let statusLine = text[..<split.lowerBound].split(separator: "\r\n").first,
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else { throw TestFailure("not an HTTP response: \(text)") }
    return (status, String(text[split.upperBound...]))
}
