import Foundation

/// The start-up scripts of the throwaway servers (Tests/Interop/xmpp/prosody/run-prosody.sh,
/// Tests/Interop/xmpp/ejabberd/run-ejabberd.sh): run with bash, they print `NAME=value` lines.
struct ServerScript {
    let path: String

    /// Runs the script; returns its stdout, throws with its stderr when it fails.
    /// (It leaves its server running without our descriptors, so both pipes end.)
    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> String {
        let environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let result = try ChildProcess.run("/bin/bash", [path] + arguments, environment: environment)
        guard result.status == 0 else {
            let name = (path as NSString).lastPathComponent
            throw TestFailure("\(name) \(arguments.prefix(2).joined(separator: " ")) failed: \(result.stderrText)")
        }
        return result.stdoutText
    }

    /// The `NAME=value` lines of `output`.
    static func assignments(_ output: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        return values
    }
}
