import Foundation
import Testing

/// XMPP over WebSocket (RFC 7395) end to end: the real `parleyd xmpp-c2s` with its HTTP
/// listener on loopback, a raw RFC 7395 client (the python `websockets` library) beside a
/// slixmpp client on TCP (Tests/Interop/xmpp/ws_rfc7395.py).
@Suite(.serialized) struct WebSocketInteropTests {
    /// Runs `script` against a `parleyd xmpp-c2s` started with `options` (and a 16 KiB
    /// stanza limit); `scenario` are the script's own options. Returns the daemon's log.
    @discardableResult
    private func run(
        _ script: String = "ws_rfc7395.py", listener: [String] = ["--http-port", "0"], options: [String], scenario: [String]
    ) throws -> String {
        let storage = try TemporaryDirectory()
        for (user, password) in [("alice", "alicepass"), ("bob", "bobpass")] {
            try ParleydProcess.addUser(user, password: password, storage: storage.path)
        }
        let daemon = try ParleydProcess(
            ["--domain", "localhost", "--storage", storage.path, "xmpp-c2s", "--port", "0"] + listener
                + ["--max-stanza", "16384"] + options)
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "xmpp-c2s")
        let httpPort = try daemon.listeningPort(of: "xmpp-c2s WebSocket")
        let outcome = try PythonPeer.run(
            "xmpp", script,
            ["--host", "127.0.0.1", "--port", "\(port)", "--http-port", "\(httpPort)", "--domain", "localhost"]
                + ["--max-stanza", "16384"] + scenario)
        #expect(outcome.ok, "\(outcome)\n\(daemon.log.suffix(4000))")
        return daemon.log
    }

    /// Over `ws:`; PLAIN in the clear is for this test only (docs/web.md).
    @Test func discoveryLoginBindMessagesCloseAndBadInput() throws {
        try run(options: ["--no-require-tls", "--allow-plain-without-tls"], scenario: ["--tls", "none"])
    }

    /// `https-port` (and no `http-port`): the same over `wss:` with the STARTTLS certificate (self-signed, made in
    /// the storage), PLAIN offered because the WebSocket is encrypted (RFC 7395 §3.9), with
    /// the server's defaults otherwise (TLS required on TCP too).
    @Test func theSameOverWSS() throws {
        try run(listener: ["--https-port", "0"], options: [], scenario: ["--tls", "starttls", "--scheme", "wss"])
    }

    /// A WebSocket client that stops reading is cut off at `max-send-queue`, as on TCP,
    /// and the client flooding it is not disturbed (Tests/Interop/xmpp/ws_slow_reader.py).
    @Test func aClientThatDoesNotReadIsCutOff() throws {
        let log = try run(
            "ws_slow_reader.py",
            options: ["--no-require-tls", "--allow-plain-without-tls", "--max-send-queue", "65536", "--offline-limit", "0"],
            scenario: ["--tls", "none"])
        #expect(log.contains("client cut off: it does not read"), "\(log.suffix(4000))")
    }
}
