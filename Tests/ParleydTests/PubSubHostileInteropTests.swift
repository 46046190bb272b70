import Foundation
import Testing

/// Bad input to `pubsub.localhost` of the real `parleyd` (Tests/Interop/xmpp/pubsub_hostile.py):
/// each refused with XEP-0060's error; nothing written outside `storage/pubsub/`; a
/// `kill -9` in the middle of a flood of persistent publishes tears nothing.
@Suite(.serialized) struct PubSubHostileInteropTests {
    @Test func badInputIsRefusedAndAKillDuringAFloodTearsNothing() throws {
        let dir = try TemporaryDirectory()
        for (user, password) in [("alice", "alicepw"), ("bob", "bobpw")] {
            try ParleydProcess.addUser(user, password: password, storage: dir.path + "/storage")
        }
        let first = try start(in: dir)
        let hostile = try run(first, phase: "hostile")
        #expect(hostile.ok, "\(hostile)")
        #expect(hostile.checks.count == 13, "\(hostile.checks.keys.sorted())")
        let flood = try run(first, phase: "flood")
        #expect(flood.ok, "\(flood)")
        first.signal(SIGKILL)
        _ = first.waitForExit()

        // Nothing outside the storage folder, nothing named by a path trick anywhere in it.
        let top = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(top == ["parley.yaml", "storage"])
        let everything = FileManager.default.enumerator(atPath: dir.path + "/storage")?.allObjects as? [String] ?? []
        #expect(!everything.isEmpty)
        #expect(everything.allSatisfy { !$0.contains("escape") }, "\(everything.filter { $0.contains("escape") })")
        let pubsub = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/storage/pubsub")
        #expect(pubsub.contains("flood") && pubsub.contains("target"))

        // A new process reads everything back (a torn file would stop its start).
        let next = try start(in: dir)
        defer { next.stop() }
        let after = try run(next, phase: "after")
        #expect(after.ok, "\(after)")
    }

    func start(in dir: TemporaryDirectory) throws -> ParleydProcess {
        try ParleydProcess(in: dir, auth: "file", plugins: "- plugin: xmpp-c2s\n  port: 0\n- plugin: pubsub\n  http-port: 0\n")
    }

    func run(_ daemon: ParleydProcess, phase: String) throws -> PythonPeer.Outcome {
        try PythonPeer.run(
            "xmpp", "pubsub_hostile.py",
            ["--port", "\(try daemon.listeningPort(of: "xmpp-c2s"))", "--phase", phase, "--timeout", "60"])
    }
}
