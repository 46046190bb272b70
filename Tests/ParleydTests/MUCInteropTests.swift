import Foundation
import Testing

/// Multi-user chat on the shared rooms, end to end through the real `parleyd` running
/// xmpp-c2s, muc and irc-server in one process: slixmpp occupants (its XEP-0045 plugin)
/// and an IRC client in `dev@conference.localhost` = `#dev` (Tests/Interop/xmpp/muc_shared_room.py), and
/// the owner's use cases around a room an XMPP user creates (muc_owner.py).
@Suite(.serialized) struct MUCInteropTests {
    @Test func slixmppOccupantsAndAnIRCClientShareOneRoom() throws {
        try runScenario("muc_shared_room.py")
    }

    @Test func ownersConfigureListAndDestroyRoomsWithIRCMembersIn() throws {
        try runScenario("muc_owner.py")
    }

    /// A persistent room, its subject and its affiliations survive a `kill -9` of the
    /// process once its file is written, and a graceful restart.
    @Test func persistentRoomsSurviveRestarts() throws {
        let dir = try TemporaryDirectory()
        let first = try start(in: dir)
        var (xmpp, irc) = (try first.listeningPort(of: "xmpp-c2s"), try first.listeningPort(of: "irc-server"))
        let create = try PythonPeer.run("xmpp", "muc_persistent.py", arguments(xmpp, irc) + ["--phase", "create"])
        #expect(create.ok, "\(create)")
        let file = dir.path + "/storage/rooms/keep.room"
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: file) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(FileManager.default.fileExists(atPath: file))
        first.signal(SIGKILL)
        _ = first.waitForExit()
        for round in ["after kill -9", "after a graceful restart"] {
            let next = try start(in: dir)
            (xmpp, irc) = (try next.listeningPort(of: "xmpp-c2s"), try next.listeningPort(of: "irc-server"))
            let check = try PythonPeer.run("xmpp", "muc_persistent.py", arguments(xmpp, irc) + ["--phase", "check"])
            #expect(check.ok, "\(round): \(check)")
            next.stop()
        }
    }

    /// Runs one scenario of Tests/Interop/xmpp against xmpp-c2s, muc and irc-server in one
    /// fresh `parleyd`.
    func runScenario(_ script: String) throws {
        let dir = try TemporaryDirectory()
        let process = try start(in: dir)
        defer { process.stop() }
        let result = try PythonPeer.run(
            "xmpp", script,
            arguments(try process.listeningPort(of: "xmpp-c2s"), try process.listeningPort(of: "irc-server")))
        #expect(result.ok, "\(result)")
    }

    func arguments(_ xmpp: UInt16, _ irc: UInt16) -> [String] {
        [
            "--host", "127.0.0.1", "--port", "\(xmpp)", "--domain", "localhost", "--tls", "none",
            "--mechanism", "PLAIN", "--irc-port", "\(irc)", "--timeout", "40",
        ]
    }

    /// `parleyd` with xmpp-c2s, muc and irc-server, its storage in `dir`.
    func start(in dir: TemporaryDirectory) throws -> ParleydProcess {
        try ParleydProcess(
            in: dir, auth: "memory:alice:alicepw,bob:bobpw,carol:carolpw,eve:evepw",
            plugins: """
                - plugin: xmpp-c2s
                  port: 0
                  require-tls: false
                  allow-plain-without-tls: true
                - plugin: muc
                - plugin: irc-server
                  port: 0
                  allow-plain-without-tls: true
                """)
    }
}
