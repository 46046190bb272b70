import Foundation
import Testing

/// The chat page (`/chat`) in a real browser: headless Chromium driven by selenium
/// (Tests/Interop/web/chat_page.py) against the real `parleyd` with xmpp-c2s at its
/// defaults (`require-tls` on; the page logs in because its WebSocket is loopback to
/// loopback, `http-secure-loopback`), muc and irc-server; a slixmpp contact, a slixmpp
/// occupant and a python `irc` user on the other side. Saves a screenshot (to
/// `PARLEY_SCREENSHOT`, e.g. docs/images/chat-page.png, when set).
@Suite(.serialized) struct ChatPageBrowserTests {
    /// Debian's `chromium` and `chromium-driver`, which scripts/install-peers installs.
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"
    static var browserInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver)
    }

    @Test(.enabled(if: browserInstalled, "chromium and chromium-driver are not installed (scripts/install-peers)"))
    func aBrowserLogsInChatsJoinsARoomWithIRCAndRendersHostileTextAsText() throws {
        let dir = try TemporaryDirectory()
        let storage = dir.path + "/storage"
        for (user, password) in [("alice", "alicepass"), ("bob", "bobpass"), ("carol", "carolpass"), ("dave", "davepass")] {
            try ParleydProcess.addUser(user, password: password, storage: storage)
        }
        let daemon = try ParleydProcess(
            in: dir, auth: "file",
            plugins: """
                - plugin: xmpp-c2s
                  port: 0
                  http-port: 0
                - plugin: muc
                - plugin: irc-server
                  port: 0
                  tls-port: 0
                  allow-plain-without-tls: true
                """)
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "xmpp-c2s")
        let httpPort = try daemon.listeningPort(of: "xmpp-c2s WebSocket")
        let ircPort = try daemon.listeningPort(of: "irc-server")
        // The picture in docs/ is refreshed on purpose only (PARLEY_SCREENSHOT, docs/web.md):
        // a test run leaves the work tree as it found it.
        let scratch = try TemporaryDirectory()
        let screenshot = ProcessInfo.processInfo.environment["PARLEY_SCREENSHOT"] ?? scratch.path + "/chat-page.png"
        let outcome = try PythonPeer.run(
            "web", "chat_page.py",
            [
                "--host", "127.0.0.1", "--port", "\(port)", "--http-port", "\(httpPort)", "--irc-port", "\(ircPort)",
                "--domain", "localhost", "--chromium", Self.chromium, "--chromedriver", Self.chromedriver,
                "--screenshot", screenshot, "--timeout", "100",
            ], timeout: 120)
        #expect(outcome.ok, "\(outcome)\n\(daemon.log.suffix(6000))")
        #expect(outcome.checks.count >= 20, "\(outcome.checks.keys.sorted())")
        let bytes = outcome.info["page_bytes"] as? Int ?? .max
        #expect(bytes < 100_000, "the page weighs \(bytes) bytes over the wire")
    }
}
