import Foundation

/// A throwaway Prosody (Debian's; Tests/Interop/xmpp/prosody/run-prosody.sh) on loopback
/// with one XEP-0114 component domain or a MUC service, and the user alice, stopped by its pid.
final class ProsodyServer {
    static let script = ServerScript(path: PythonPeer.root + "/Tests/Interop/xmpp/prosody/run-prosody.sh")
    let directory: TemporaryDirectory
    let secret: String
    private(set) var pid: Int32 = 0
    private(set) var port = 0
    private(set) var componentPort = 0
    /// Where Prosody keeps its data, ports and configuration.
    var prosodyDirectory: String { directory.path + "/prosody" }

    /// Starts Prosody with the component `component` (its secret starts with `secretPrefix`).
    convenience init(component: String, secretPrefix: String) throws {
        let secret = secretPrefix + UUID().uuidString.prefix(8).lowercased()
        try self.init(secret: secret, environment: ["PROSODY_COMPONENT": "\(component):\(secret)"])
    }

    /// Starts Prosody serving `domain` with multi-user chat on `muc` (and no component).
    convenience init(domain: String, muc: String) throws {
        try self.init(secret: "", environment: ["PROSODY_DOMAIN": domain, "PROSODY_MUC": muc])
    }

    private init(secret: String, environment: [String: String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prosody") else {
            throw TestFailure("prosody is not installed: run scripts/install-peers (scripts/test does)")
        }
        self.secret = secret
        directory = try TemporaryDirectory()
        try apply(try Self.script.run(["start", prosodyDirectory], environment: environment))
        try register("alice", "alicepass")
    }

    /// Adds a user to Prosody's store.
    func register(_ user: String, _ password: String) throws {
        _ = try Self.script.run(["register", prosodyDirectory, user, password])
    }

    /// Stops Prosody and starts it again on the same directory and ports.
    func restart() throws {
        try apply(try Self.script.run(["restart", prosodyDirectory]))
    }

    func stop() {
        guard pid > 0 else { return }
        _ = try? Self.script.run(["stop", "\(pid)"])
        pid = 0
    }

    deinit { stop() }

    private func apply(_ output: String) throws {
        let values = ServerScript.assignments(output)
        guard let pid = values["PROSODY_PID"].flatMap(Int32.init), let port = values["PROSODY_PORT"].flatMap(Int.init),
            secret.isEmpty || values["PROSODY_COMPONENT_PORT"] != nil
        else { throw TestFailure("run-prosody.sh printed no pid/ports:\n\(output)") }
        (self.pid, self.port, self.componentPort) = (pid, port, values["PROSODY_COMPONENT_PORT"].flatMap(Int.init) ?? 0)
    }
}
