import Foundation

/// Runs the built `parleyd` binary for end-to-end tests, and stops it by its own pid.
final class ParleydProcess: @unchecked Sendable {
    // `stderrText` is only touched under `lock`.
    let process = Process()
    private let stderrPipe = Pipe()
    private let lock = NSLock()
    private var stderrText = ""

    /// The binary: `PARLEYD_BIN` (set by scripts/test), else the debug build folder.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["PARLEYD_BIN"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/parleyd").path
    }

    /// Runs `parleyd arguments` to completion with `input` on standard input.
    static func run(_ arguments: [String], input: String = "") throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try ChildProcess.run(binary, arguments, input: input)
        return (result.status, result.stdoutText, result.stderrText)
    }

    /// `parleyd user add` into `storage`; throws with its stderr when it fails.
    static func addUser(_ name: String, password: String, storage: String) throws {
        let added = try run(["user", "add", name, "--storage", storage], input: password + "\n")
        guard added.status == 0 else { throw TestFailure("user add: \(added.stderr)") }
    }

    /// `parleyd user hash` with `password` on standard input: the one-line SCRAM-SHA-256
    /// record that irc-server's opers file holds in place of the password.
    static func hashPassword(_ password: String) throws -> String {
        let hashed = try run(["user", "hash"], input: password + "\n")
        let record = hashed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard hashed.status == 0, !record.isEmpty, !record.contains("\n") else {
            throw TestFailure("user hash: status \(hashed.status), \(hashed.stderr)")
        }
        return record
    }

    /// Writes `<storage>/<file>`: the domain `localhost` with xmpp-c2s and xmpp-router on
    /// port 0, the router accepting `components` (`domain=secret,…`), then `extraPlugins`
    /// (more YAML plugin entries); returns its path.
    static func writeRouterConfig(storage: String, file: String, components: String, extraPlugins: String = "") throws
        -> String
    {
        let config = storage + "/" + file
        try """
            domain: localhost
            storage: \(storage)
            plugins:
              - plugin: xmpp-c2s
                port: 0
              - plugin: xmpp-router
                port: 0
                components: \(components)
            \(extraPlugins)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// Writes `<dir>/parley.yaml` (the domain `localhost`, storage in `<dir>/storage`,
    /// `auth` as an `--auth` string, `plugins` as YAML plugin entries starting at column 0)
    /// and starts `parleyd --config` with it.
    convenience init(in dir: TemporaryDirectory, auth: String, plugins: String) throws {
        try self.init(["--config", try Self.writeConfig(in: dir, auth: auth, plugins: plugins)])
    }

    /// Writes `<dir>/parley.yaml` as `init(in:auth:plugins:)` does; returns its path.
    static func writeConfig(in dir: TemporaryDirectory, auth: String, plugins: String) throws -> String {
        let config = dir.path + "/parley.yaml"
        try """
            domain: localhost
            storage: \(dir.path)/storage
            auth: \(auth)
            plugins:
            \(plugins)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// Starts `parleyd arguments` in the background (JSON logs on stderr are collected).
    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments + ["--log-format", "json"]
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        stderrPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.stderrText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var log: String { lock.withLock { stderrText } }

    /// Waits for a log line containing `needle`; returns it.
    func waitForLog(_ needle: String, timeout: TimeInterval = 20) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = log.split(separator: "\n").first(where: { $0.contains(needle) }) { return String(line) }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TestFailure("no log line with '\(needle)'; log so far:\n\(log)")
    }

    /// The port a plugin logged in its "listening" line.
    func listeningPort(of plugin: String) throws -> UInt16 {
        try listeningPorts(of: plugin, count: 1)[0]
    }

    /// The port a plugin's first instance bound for the endpoint labelled `label` (its
    /// `"label":"N"` on the "listening" line), such as xmpp-c2s's `direct-tls-port`.
    func listeningPort(of plugin: String, label: String) throws -> UInt16 {
        _ = try listeningPort(of: plugin)
        guard let line = log.split(separator: "\n").first(where: { $0.contains("\"\(plugin) listening\"") }),
            let range = line.range(of: "\"\(label)\":\"(\\d+)\"", options: .regularExpression)
        else { throw TestFailure("no \(label) on the '\(plugin) listening' line:\n\(log)") }
        return UInt16(line[range].dropFirst(label.count + 2).filter(\.isNumber))!
    }

    /// The ports of the first `count` instances of a plugin, in the order they logged
    /// (instances start concurrently: that order is not the config file's), keeping only
    /// the lines that contain `marker` when one is given.
    func listeningPorts(of plugin: String, count: Int, marker: String? = nil, timeout: TimeInterval = 20) throws
        -> [UInt16]
    {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let lines = log.split(separator: "\n").filter {
                $0.contains("\"\(plugin) listening\"") && (marker.map($0.contains) ?? true)
            }
            if lines.count >= count {
                return try lines.prefix(count).map { line in
                    guard let range = line.range(of: #""port":"(\d+)""#, options: .regularExpression) else {
                        throw TestFailure("no port in \(line)")
                    }
                    return UInt16(line[range].filter(\.isNumber))!
                }
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TestFailure("fewer than \(count) '\(plugin) listening' lines; log so far:\n\(log)")
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to exit; returns its status, or nil on timeout.
    func waitForExit(timeout: TimeInterval = 15) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Stops the process by its pid if it still runs.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        stderrPipe.fileHandleForReading.readabilityHandler = nil
    }

    deinit { stop() }
}
