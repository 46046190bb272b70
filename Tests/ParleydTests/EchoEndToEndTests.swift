import Foundation
import Testing

/// The echo bot as an in-process component, reached from a protocol that is not XMPP: the
/// model routes to a component's domain whatever the sender speaks.
@Suite(.serialized) struct EchoEndToEndTests {
    @Test func aTextChatUserTalksToTheInProcessEchoBot() throws {
        let dir = try TemporaryDirectory()
        let storage = dir.path + "/storage"
        let added = try ParleydProcess.run(["user", "add", "alice", "--storage", storage], input: "alicepw\n")
        #expect(added.status == 0, "\(added.stderr)")
        let config = dir.path + "/parley.yaml"
        try """
            domain: example.test
            storage: \(storage)
            auth: file
            plugins:
              - plugin: text-chat
                port: 0
              - plugin: echo
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try ParleydProcess(["--config", config])
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "text-chat")
        _ = try daemon.waitForLog("component running in process")

        let alice = try LineClient(port: port)
        try alice.expect(prefix: "HELLO")
        alice.send("LOGIN alice alicepw")
        try alice.expect(prefix: "OK logged in as alice@example.test/")
        alice.send("MSG echo.example.test hi there")
        // The bot's answer may come before the OK for the message: the bot answers at once,
        // and the OK is written after the send returns. Wait for both, in either order.
        var awaited: Set = ["OK sent to echo.example.test", "MSG echo.example.test echo: hi there"]
        while !awaited.isEmpty {
            let line = try alice.expect("one of \(awaited.sorted())") { awaited.contains($0) }
            awaited.remove(line)
        }
        // Another domain nobody serves is refused at once.
        alice.send("MSG nobody@elsewhere.test hi")
        try alice.expect(prefix: "ERR not-routable elsewhere.test")
    }

    @Test func theDefaultConfigurationChecks() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try ParleydProcess.run(["check-config", root.appendingPathComponent("parley.yaml").path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
