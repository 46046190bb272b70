import Foundation
import Testing

/// XMPP over WebSocket (RFC 7395) end to end: the real `parleyd xmpp-c2s` with its HTTP
/// listener on loopback, a raw RFC 7395 client (the python `websockets` library) beside a
/// slixmpp client on TCP (Tests/Interop/xmpp/ws_rfc7395.py).
@Suite(.serialized) struct WebSocketInteropTests {
    @Test func discoveryLoginBindMessagesCloseAndBadInput() throws {
        let storage = try TemporaryDirectory()
        for (user, password) in [("alice", "alicepass"), ("bob", "bobpass")] {
            try ParleydProcess.addUser(user, password: password, storage: storage.path)
        }
        // PLAIN over a clear WebSocket is for this test only (docs/web.md).
        let daemon = try ParleydProcess(
            [
                "--domain", "localhost", "--storage", storage.path, "xmpp-c2s", "--port", "0", "--http-port", "0",
                "--no-require-tls", "--allow-plain-without-tls", "--max-stanza", "16384",
            ])
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "xmpp-c2s")
        let httpPort = try daemon.listeningPort(of: "xmpp-c2s WebSocket")
        let outcome = try PythonPeer.run(
            "xmpp", "ws_rfc7395.py",
            [
                "--host", "127.0.0.1", "--port", "\(port)", "--http-port", "\(httpPort)", "--domain", "localhost",
                "--tls", "none", "--max-stanza", "16384",
            ])
        #expect(outcome.ok, "\(outcome)\n\(daemon.log.suffix(4000))")
    }
}
