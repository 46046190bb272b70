import Foundation
import Testing

/// pubsub's HTTP face end to end (Tests/Interop/xmpp/pubsub_http.py): the real `parleyd`
/// with xmpp-c2s, web-status and pubsub on one HTTP port; curl reads a node as JSON,
/// Atom and server-sent events while slixmpp clients publish, publishes with HTTP Basic
/// auth and with a per-node token to an XMPP subscriber, and is refused with the right
/// status codes.
@Suite(.serialized) struct PubSubHTTPInteropTests {
    @Test func curlAndSlixmppShareTheNodes() throws {
        let dir = try TemporaryDirectory()
        let daemon = try ParleydProcess(
            in: dir, auth: "memory:alice:alicepw,bob:bobpw",
            plugins: """
                - plugin: xmpp-c2s
                  port: 0
                  require-tls: false
                  allow-plain-without-tls: true
                - plugin: web-status
                  http-port: 0
                - plugin: pubsub
                  http-port: 0
                  http-allow-plain-auth: true
                """)
        defer { daemon.stop() }
        let http = try daemon.listeningPort(of: "pubsub")
        #expect(try daemon.listeningPort(of: "web-status") == http, "one listener for both: \(daemon.log)")
        let result = try PythonPeer.run(
            "xmpp", "pubsub_http.py",
            [
                "--host", "127.0.0.1", "--port", "\(try daemon.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
                "--tls", "none", "--mechanism", "PLAIN", "--timeout", "60", "--http-port", "\(http)",
            ])
        #expect(result.ok, "\(result)")
        #expect(result.checks.count == 41, "\(result.checks.keys.sorted())")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0, "\(daemon.log)")
    }
}
