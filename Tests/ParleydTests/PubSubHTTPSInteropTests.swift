import Foundation
import Testing

/// pubsub's HTTP face over TLS end to end (Tests/Interop/xmpp/pubsub_https.py): the real
/// `parleyd` with xmpp-c2s (STARTTLS) and pubsub with `http-tls: true` on port 0, both
/// on the domain's certificate generated into storage/tls/; curl over https reads a node
/// as JSON and publishes with Basic auth and a token to an XMPP subscriber, while another
/// `parleyd` whose face is plain HTTP still refuses those credentials. A TLS face and a
/// plain one on one address stop the start with a message naming both plugins.
@Suite(.serialized) struct PubSubHTTPSInteropTests {
    @Test func curlOverHTTPSPublishesToAnXMPPSubscriber() throws {
        let dir = try TemporaryDirectory()
        let statusPort = try freePort()
        let daemon = try ParleydProcess(
            in: dir, auth: "memory:alice:alicepw,bob:bobpw",
            plugins: """
                - plugin: xmpp-c2s
                  port: 0
                - plugin: pubsub
                  http-port: 0
                  http-tls: true
                - plugin: web-status
                  http-port: \(statusPort)
                """)
        defer { daemon.stop() }
        let https = try daemon.listeningPort(of: "pubsub")
        #expect(try daemon.listeningPort(of: "web-status") == statusPort, "web-status stays plain on its own port")
        #expect(daemon.log.contains("\"scheme\":\"https\""), "\(daemon.log)")

        let plainDir = try TemporaryDirectory()
        let plain = try ParleydProcess(
            in: plainDir, auth: "memory:alice:alicepw",
            plugins: """
                - plugin: pubsub
                  http-port: 0
                """)
        defer { plain.stop() }
        let plainPort = try plain.listeningPort(of: "pubsub")

        let result = try PythonPeer.run(
            "xmpp", "pubsub_https.py",
            [
                "--host", "127.0.0.1", "--port", "\(try daemon.listeningPort(of: "xmpp-c2s"))", "--domain", "localhost",
                "--tls", "starttls", "--mechanism", "PLAIN", "--timeout", "60", "--https-port", "\(https)",
                "--ca-file", dir.path + "/storage/tls/localhost.crt", "--plain-port", "\(plainPort)",
            ])
        #expect(result.ok, "\(result)")
        #expect(result.checks.count == 16, "\(result.checks.keys.sorted())")
        for running in [daemon, plain] {
            running.signal(SIGTERM)
            #expect(running.waitForExit() == 0, "\(running.log)")
        }
    }

    @Test func aTLSFaceAndAPlainOneOnOneAddressStopTheStart() throws {
        let dir = try TemporaryDirectory()
        let config = try ParleydProcess.writeConfig(
            in: dir, auth: "memory:alice:alicepw",
            plugins: """
                - plugin: web-status
                  http-port: 0
                - plugin: pubsub
                  http-port: 0
                  http-tls: true
                """)
        let result = try ParleydProcess.run(["--config", config])
        #expect(result.status != 0)
        let files = "certificate \(dir.path)/storage/tls/localhost.crt and key \(dir.path)/storage/tls/localhost.key"
        #expect(
            result.stderr.contains(
                "pubsub asks for HTTPS with \(files) on 127.0.0.1:0, where web-status serves plain HTTP; "
                    + "give both the same TLS settings, or one of them another http-port"), "\(result.stderr)")
    }
}
