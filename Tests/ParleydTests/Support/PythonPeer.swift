import Foundation

/// Runs one of the interoperability scenarios in Tests/Interop (real third-party client
/// libraries such as slixmpp, from the virtualenv that scripts/install-peers builds).
enum PythonPeer {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static var python: String { ProcessInfo.processInfo.environment["PARLEY_PYTHON"] ?? root + "/.venv/bin/python" }

    /// What a scenario reported: its exit status, its JSON line and its stderr.
    /// Read-only once made (the JSON came from one run), so it may cross to another task.
    struct Outcome: CustomStringConvertible, @unchecked Sendable {
        let status: Int32
        let json: [String: Any]
        let stderr: String

        var ok: Bool { status == 0 && (json["ok"] as? Bool) == true }
        var checks: [String: Bool] { json["checks"] as? [String: Bool] ?? [:] }
        var info: [String: Any] { json["info"] as? [String: Any] ?? [:] }
        var description: String { "exit \(status); failed \(json["failed"] ?? "?"); stderr:\n\(stderr)" }
    }

    /// Runs `Tests/Interop/<folder>/<script>` with `arguments`; the scenario has its own
    /// hard timeout, and this waits at most `timeout` seconds more before killing it.
    static func run(_ folder: String, _ script: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("\(python) is missing: run scripts/install-peers (scripts/test does)")
        }
        let result: ChildProcess.Result
        do {
            result = try ChildProcess.run(python, ["\(root)/Tests/Interop/\(folder)/\(script)"] + arguments, timeout: timeout)
        } catch is ChildProcess.TimedOut {
            throw TestFailure("\(script) did not finish within \(timeout) s")
        }
        let lastLine = result.stdoutText.split(separator: "\n").last.map(String.init) ?? ""
        let json = (try? JSONSerialization.jsonObject(with: Data(lastLine.utf8))) as? [String: Any] ?? [:]
        return Outcome(status: result.status, json: json, stderr: result.stderrText)
    }
}
