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

    /// Replies, reactions, actions, corrections and invitations between a slixmpp occupant
    /// and an IRCv3 client in one room (Tests/Interop/xmpp/muc_bridge_meanings.py).
    @Test func repliesReactionsAndInvitationsCrossBetweenXMPPAndIRC() throws {
        let result = try runScenario("muc_bridge_meanings.py")
        // Every check of the scenario ran (requires included), none skipped by an early stop.
        #expect(result.checks.count == 19, "\(result.checks.keys.sorted())")
    }

    /// tx-xmpp's MUC client (Wokkel's API, on Twisted): create and configure a room, talk,
    /// set the subject, read the owner list (Tests/Interop/xmpp/tx_muc_client.py).
    @Test func txXMPPsMUCClientCreatesConfiguresAndTalks() throws {
        let dir = try TemporaryDirectory()
        let process = try start(in: dir)
        defer { process.stop() }
        let result = try PythonPeer.run(
            "xmpp", "tx_muc_client.py", ["--port", "\(try process.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost"])
        #expect(result.ok, "\(result)")
        #expect(result.checks.count == 9)
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

    /// The same scenarios with the MUC service as an external XEP-0114 component: one
    /// `parleyd` runs xmpp-c2s and xmpp-router (the slixmpp clients' server), another runs
    /// `muc --connect` and irc-server (the IRC client's server): the rooms live in the second.
    @Test(arguments: ["muc_shared_room.py", "muc_owner.py"])
    func theSameRoomsThroughAnExternalComponent(script: String) throws {
        let server = try TemporaryDirectory(), rooms = try TemporaryDirectory()
        let secret = "muc-secret"
        let front = try ParleydProcess(
            in: server, auth: "memory:alice:alicepw,bob:bobpw,carol:carolpw",
            plugins: Self.plainC2S + """

                - plugin: xmpp-router
                  port: 0
                  components: conference.localhost=\(secret)
                """)
        defer { front.stop() }
        let back = try roomsProcess(in: rooms, connect: Int(try front.listeningPort(of: "xmpp-router")), secret: secret)
        defer { back.stop() }
        let result = try PythonPeer.run(
            "xmpp", script, arguments(try front.listeningPort(of: "xmpp-c2s"), try back.listeningPort(of: "irc-server")))
        #expect(result.ok, "\(result)")
    }

    /// The same with Prosody as the XMPP server: the slixmpp clients log in to Prosody,
    /// whose `conference.localhost` is `parleyd muc --connect` (with irc-server beside it).
    @Test func theSameRoomsUnderProsody() throws {
        let prosody = try ProsodyServer(component: "conference.localhost", secretPrefix: "muc-")
        defer { prosody.stop() }
        for (user, password) in [("bob", "bobpass"), ("carol", "carolpass")] { try prosody.register(user, password) }
        let rooms = try TemporaryDirectory()
        let back = try roomsProcess(in: rooms, connect: prosody.componentPort, secret: prosody.secret)
        defer { back.stop() }
        for (script, users) in [("muc_shared_room.py", ["alice", "bob", "carol"]), ("muc_owner.py", ["alice", "bob"])] {
            let result = try PythonPeer.run(
                "xmpp", script,
                [
                    "--host", "127.0.0.1", "--port", "\(prosody.port)", "--domain", "localhost", "--tls", "none",
                    "--mechanism", "PLAIN", "--irc-port", "\(try back.listeningPort(of: "irc-server"))", "--timeout", "40",
                ] + users.flatMap { ["--\($0)-password", "\($0)pass"] })
            #expect(result.ok, "\(script): \(result)")
        }
    }

    /// Runs one scenario of Tests/Interop/xmpp against xmpp-c2s, muc and irc-server in one
    /// fresh `parleyd`.
    @discardableResult
    func runScenario(_ script: String) throws -> PythonPeer.Outcome {
        let dir = try TemporaryDirectory()
        let process = try start(in: dir)
        defer { process.stop() }
        let result = try PythonPeer.run(
            "xmpp", script,
            arguments(try process.listeningPort(of: "xmpp-c2s"), try process.listeningPort(of: "irc-server")))
        #expect(result.ok, "\(result)")
        return result
    }

    func arguments(_ xmpp: UInt16, _ irc: UInt16) -> [String] {
        [
            "--host", "127.0.0.1", "--port", "\(xmpp)", "--domain", "localhost", "--tls", "none",
            "--mechanism", "PLAIN", "--irc-port", "\(irc)", "--timeout", "40",
        ]
    }

    /// xmpp-c2s on a free port, plaintext PLAIN allowed (YAML plugin entries).
    static let plainC2S = """
        - plugin: xmpp-c2s
          port: 0
          require-tls: false
          allow-plain-without-tls: true
        """
    /// irc-server on a free port, its TLS listener off (its default, 6697, is one fixed port:
    /// two test processes at once would clash).
    static let ircServer = """
        - plugin: irc-server
          port: 0
          tls-port: 0
          allow-plain-without-tls: true
        """

    /// `parleyd` with xmpp-c2s, muc and irc-server, its storage in `dir`.
    func start(in dir: TemporaryDirectory) throws -> ParleydProcess {
        try ParleydProcess(
            in: dir, auth: "memory:alice:alicepw,bob:bobpw,carol:carolpw,eve:evepw",
            plugins: Self.plainC2S + "\n- plugin: muc\n" + Self.ircServer)
    }

    /// The rooms' `parleyd`: muc as an external component of the server at `connect`, and
    /// irc-server; returns once the component is connected.
    func roomsProcess(in dir: TemporaryDirectory, connect port: Int, secret: String) throws -> ParleydProcess {
        let process = try ParleydProcess(
            in: dir, auth: "memory:eve:evepw",
            plugins: "- plugin: muc\n  connect: 127.0.0.1:\(port)\n  secret: \(secret)\n" + Self.ircServer)
        _ = try process.waitForLog("component connected")
        return process
    }
}
