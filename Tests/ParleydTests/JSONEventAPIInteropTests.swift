import Foundation
import Testing

/// The JSON event API (`text-chat` with `http-port`, WebSocket at `/api/events`) end to end:
/// the real `parleyd` running text-chat, xmpp-c2s and muc in one process, a python
/// `websockets` client speaking JSON beside a slixmpp client on TCP and in a MUC room
/// (Tests/Interop/xmpp/json_api.py): login, chat both ways, a room with occupants and
/// history, and the bad input (not JSON, unknown commands, binary, oversized, another
/// origin, an unknown subprotocol). xmpp-c2s shares the HTTP listener and asks for larger
/// WebSocket frames, so the API's own message bound is what refuses the oversized message.
@Suite(.serialized) struct JSONEventAPIInteropTests {
    @Test func aWebSocketClientChatsAndJoinsRoomsInJSON() throws {
        let dir = try TemporaryDirectory()
        let storage = dir.path + "/storage"
        for (user, password) in [("alice", "alicepass"), ("bob", "bobpass")] {
            try ParleydProcess.addUser(user, password: password, storage: storage)
        }
        let config = dir.path + "/parley.yaml"
        try """
            domain: localhost
            storage: \(storage)
            plugins:
              - plugin: text-chat
                port: 0
                http-port: 0
                http-max-message: 4096
                login-timeout: 3
              - plugin: xmpp-c2s
                port: 0
                http-port: 0
                require-tls: false
                allow-plain-without-tls: true
              - plugin: muc
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try ParleydProcess(["--config", config])
        defer { daemon.stop() }
        let xmpp = try daemon.listeningPort(of: "xmpp-c2s")
        let api = try daemon.listeningPort(of: "text-chat JSON event API")
        let outcome = try PythonPeer.run(
            "xmpp", "json_api.py",
            ["--port", "\(xmpp)", "--http-port", "\(api)", "--domain", "localhost", "--tls", "none", "--max-message", "4096"]
                + ["--login-timeout", "3", "--timeout", "40"])
        #expect(outcome.ok, "\(outcome)\n\(daemon.log.suffix(4000))")
        #expect(outcome.checks.count >= 25, "\(outcome.checks.keys.sorted())")
    }

    /// A client that stops reading is cut off at `max-send-queue` and its session ends,
    /// while the client flooding it is still served (Tests/Interop/xmpp/json_slow_reader.py).
    @Test func aClientThatDoesNotReadIsCutOff() throws {
        let dir = try TemporaryDirectory()
        let storage = dir.path + "/storage"
        for (user, password) in [("alice", "alicepass"), ("bob", "bobpass")] {
            try ParleydProcess.addUser(user, password: password, storage: storage)
        }
        let daemon = try ParleydProcess(
            ["--domain", "localhost", "--storage", storage, "text-chat", "--port", "0", "--http-port", "0"]
                + ["--max-send-queue", "65536"])
        defer { daemon.stop() }
        let api = try daemon.listeningPort(of: "text-chat JSON event API")
        let outcome = try PythonPeer.run("xmpp", "json_slow_reader.py", ["--port", "0", "--http-port", "\(api)"])
        #expect(outcome.ok, "\(outcome)\n\(daemon.log.suffix(4000))")
        #expect(daemon.log.contains("JSON client cut off: it does not read"), "\(daemon.log.suffix(4000))")
    }
}
