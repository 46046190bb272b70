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

    /// Runs one scenario of Tests/Interop/xmpp against xmpp-c2s, muc and irc-server in one
    /// fresh `parleyd`.
    func runScenario(_ script: String) throws {
        let dir = try TemporaryDirectory()
        let process = try ParleydProcess(
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
        defer { process.stop() }
        let xmpp = try process.listeningPort(of: "xmpp-c2s")
        let irc = try process.listeningPort(of: "irc-server")
        let result = try PythonPeer.run(
            "xmpp", script,
            [
                "--host", "127.0.0.1", "--port", "\(xmpp)", "--domain", "localhost", "--tls", "none",
                "--mechanism", "PLAIN", "--irc-port", "\(irc)", "--timeout", "40",
            ])
        #expect(result.ok, "\(result)")
    }
}
