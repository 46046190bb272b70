import Foundation

/// A throwaway ejabberd (Debian's 23.01; Tests/Interop/xmpp/ejabberd/run-ejabberd.sh) on
/// loopback with XEP-0114 component domains, stopped by the pid of its Erlang VM. It starts
/// no epmd (the Erlang distribution that `ejabberdctl` needs listens on a loopback port of
/// its own), so stopping the VM leaves nothing behind.
final class EjabberdServer {
    static let script = ServerScript(path: PythonPeer.root + "/Tests/Interop/xmpp/ejabberd/run-ejabberd.sh")
    let directory: TemporaryDirectory
    let secret: String
    private(set) var pid: Int32 = 0
    private(set) var port = 0
    private(set) var componentPort = 0
    /// Where ejabberd keeps its configuration, spool (Mnesia) and logs.
    var ejabberdDirectory: String { directory.path + "/ejabberd" }

    /// Starts ejabberd (host `localhost`) with the component `component` (its secret starts
    /// with `secretPrefix`) and the accounts `users` (name, password).
    init(component: String, secretPrefix: String, users: [(String, String)] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ejabberdctl") else {
            throw TestFailure("ejabberd is not installed: run scripts/install-peers (scripts/test does)")
        }
        secret = secretPrefix + UUID().uuidString.prefix(8).lowercased()
        directory = try TemporaryDirectory()
        let output = try Self.script.run(
            ["start", ejabberdDirectory], environment: ["EJABBERD_COMPONENT": "\(component):\(secret)"])
        let values = ServerScript.assignments(output)
        guard let pid = values["EJABBERD_PID"].flatMap(Int32.init), let port = values["EJABBERD_PORT"].flatMap(Int.init),
            let componentPort = values["EJABBERD_COMPONENT_PORT"].flatMap(Int.init)
        else { throw TestFailure("run-ejabberd.sh printed no pid/ports:\n\(output)") }
        (self.pid, self.port, self.componentPort) = (pid, port, componentPort)
        if !users.isEmpty { try register(users) }
    }

    /// Adds accounts to ejabberd's store (`ejabberdctl register`, all at once).
    func register(_ users: [(String, String)]) throws {
        _ = try Self.script.run(["register", ejabberdDirectory] + users.flatMap { [$0.0, $0.1] })
    }

    func stop() {
        guard pid > 0 else { return }
        _ = try? Self.script.run(["stop", "\(pid)"])
        pid = 0
    }

    deinit { stop() }
}
