import Foundation
import Testing

/// XEP-0060 end to end: slixmpp's xep_0060 plugin against `pubsub.localhost` of the real
/// `parleyd` (Tests/Interop/xmpp/pubsub_core.py): create, configure, subscribe, publish,
/// the event with its payload, items fetched back, retract, delete, a whitelist node
/// refusing a stranger, and everything intact after a `kill -9` and a graceful restart.
@Suite(.serialized) struct PubSubInteropTests {
    @Test func slixmppPublishesSubscribesAndFindsItsItemsAfterRestarts() throws {
        let dir = try TemporaryDirectory()
        let first = try start(in: dir)
        let main = try PythonPeer.run("xmpp", "pubsub_core.py", arguments(try first.listeningPort(of: "xmpp-c2s"), "main"))
        #expect(main.ok, "\(main)")
        #expect(main.checks.count == 28, "\(main.checks.keys.sorted())")
        // Every answer came after its files were written: nothing is lost to a kill -9.
        first.signal(SIGKILL)
        _ = first.waitForExit()
        for round in ["after kill -9", "after a graceful restart"] {
            let next = try start(in: dir)
            let check = try PythonPeer.run("xmpp", "pubsub_core.py", arguments(try next.listeningPort(of: "xmpp-c2s"), "check"))
            #expect(check.ok, "\(round): \(check)")
            next.stop()
        }
        // Nothing outside storage/pubsub/, and no temporary file left behind.
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir.path + "/storage/pubsub")
        #expect(!files.contains { $0.contains(".tmp-") }, "\(files)")
        #expect(files.contains("news/node.conf") && files.contains("private/items/secret.conf"), "\(files)")
    }

    /// The same scenario with the service as an external XEP-0114 component of Parley's
    /// router: one `parleyd` runs xmpp-c2s and xmpp-router, another `pubsub --connect`.
    @Test func theSameThroughAnExternalComponent() throws {
        let server = try TemporaryDirectory(), nodes = try TemporaryDirectory()
        let secret = "pubsub-secret"
        let front = try ParleydProcess(
            in: server, auth: Self.users,
            plugins: Self.plainC2S + "\n- plugin: xmpp-router\n  port: 0\n  components: pubsub.localhost=\(secret)\n")
        defer { front.stop() }
        let back = try pubsubComponent(in: nodes, port: Int(try front.listeningPort(of: "xmpp-router")), secret: secret)
        defer { back.stop() }
        let result = try PythonPeer.run("xmpp", "pubsub_core.py", arguments(try front.listeningPort(of: "xmpp-c2s"), "main"))
        #expect(result.ok, "\(result)")
        #expect(FileManager.default.fileExists(atPath: nodes.path + "/storage/pubsub/news/node.conf"))
    }

    /// The same under Prosody: the slixmpp clients log in to Prosody, whose
    /// `pubsub.localhost` is `parleyd pubsub --connect`.
    @Test func theSameUnderProsody() throws {
        let prosody = try ProsodyServer(component: "pubsub.localhost", secretPrefix: "pubsub-")
        defer { prosody.stop() }
        for user in ["alice", "bob", "eve"] { try prosody.register(user, user + "pass") }
        let nodes = try TemporaryDirectory()
        let back = try pubsubComponent(in: nodes, port: prosody.componentPort, secret: prosody.secret)
        defer { back.stop() }
        let result = try PythonPeer.run(
            "xmpp", "pubsub_core.py",
            arguments(UInt16(prosody.port), "main") + ["alice", "bob", "eve"].flatMap { ["--\($0)-password", "\($0)pass"] })
        #expect(result.ok, "\(result)")
    }

    /// The same under ejabberd 23.01 (no mod_pubsub of its own): the slixmpp clients log in
    /// to ejabberd's c2s, whose `pubsub.localhost` is `parleyd pubsub --connect` on an
    /// `ejabberd_service` listener.
    @Test func theSameUnderEjabberd() throws {
        let users = ["alice", "bob", "eve"].map { ($0, $0 + "pass") }
        let ejabberd = try EjabberdServer(component: "pubsub.localhost", secretPrefix: "pubsub-", users: users)
        defer { ejabberd.stop() }
        let nodes = try TemporaryDirectory()
        let back = try pubsubComponent(in: nodes, port: ejabberd.componentPort, secret: ejabberd.secret)
        defer { back.stop() }
        let result = try PythonPeer.run(
            "xmpp", "pubsub_core.py",
            arguments(UInt16(ejabberd.port), "main") + users.flatMap { ["--\($0.0)-password", $0.1] })
        #expect(result.ok, "\(result)")
        #expect(result.checks.count == 28, "\(result.checks.keys.sorted())")
        #expect(FileManager.default.fileExists(atPath: nodes.path + "/storage/pubsub/news/node.conf"))
    }

    /// `parleyd` with the pubsub plugin alone, attached as `pubsub.localhost` to the XEP-0114
    /// component port `port` of 127.0.0.1 (its HTTP face on a free port), once it is connected.
    func pubsubComponent(in nodes: TemporaryDirectory, port: Int, secret: String) throws -> ParleydProcess {
        let back = try ParleydProcess(
            in: nodes, auth: "memory:nobody:nobodypw",
            plugins: "- plugin: pubsub\n  connect: 127.0.0.1:\(port)\n  domain: pubsub.localhost\n"
                + "  secret: \(secret)\n  http-port: 0\n")
        _ = try back.waitForLog("component connected")
        return back
    }

    func arguments(_ port: UInt16, _ phase: String) -> [String] {
        [
            "--host", "127.0.0.1", "--port", "\(port)", "--domain", "localhost", "--tls", "none",
            "--mechanism", "PLAIN", "--timeout", "40", "--phase", phase,
        ]
    }

    static let users = "memory:alice:alicepw,bob:bobpw,eve:evepw"

    /// xmpp-c2s on a free port, plaintext PLAIN allowed (YAML plugin entries).
    static let plainC2S = """
        - plugin: xmpp-c2s
          port: 0
          require-tls: false
          allow-plain-without-tls: true
        """

    /// `parleyd` with xmpp-c2s and pubsub (its HTTP face on a free port rather than 5280,
    /// which another process on the machine may hold), its storage in `dir`.
    func start(in dir: TemporaryDirectory) throws -> ParleydProcess {
        try ParleydProcess(in: dir, auth: Self.users, plugins: Self.plainC2S + "\n- plugin: pubsub\n  http-port: 0\n")
    }
}
