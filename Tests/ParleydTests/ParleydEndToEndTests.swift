import Foundation
import Testing

/// The launcher as a user meets it: the real binary, real accounts on disk, real TCP.
@Suite(.serialized) struct ParleydEndToEndTests {
    @Test func pluginsAreListed() throws {
        let result = try ParleydProcess.run(["plugins"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("text-chat"))
        #expect(result.stdout.split(separator: "\n").allSatisfy { !$0.isEmpty })
    }

    @Test func userManagement() throws {
        let storage = try TemporaryDirectory()
        let add = try ParleydProcess.run(["user", "add", "Alice", "--storage", storage.path], input: "correct horse\n")
        #expect(add.status == 0, "\(add.stderr)")
        let file = storage.path + "/accounts/alice.account"
        let contents = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!contents.contains("correct horse"))
        #expect(contents.contains("scram-sha-256"))
        #expect(contents.contains("scram-sha-1"))

        let again = try ParleydProcess.run(["user", "add", "alice", "--storage", storage.path], input: "x\n")
        #expect(again.status != 0)

        _ = try ParleydProcess.run(["user", "add", "bob", "--storage", storage.path], input: "pw\n")
        let list = try ParleydProcess.run(["user", "list", "--storage", storage.path])
        #expect(list.stdout == "alice\nbob\n")

        let passwd = try ParleydProcess.run(["user", "passwd", "alice", "--storage", storage.path], input: "battery staple\n")
        #expect(passwd.status == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8) != contents)

        let del = try ParleydProcess.run(["user", "del", "bob", "--storage", storage.path])
        #expect(del.status == 0)
        #expect(try ParleydProcess.run(["user", "list", "--storage", storage.path]).stdout == "alice\n")

        let bad = try ParleydProcess.run(["user", "add", "no@pe", "--storage", storage.path], input: "x\n")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("not a valid user name"))
    }

    @Test func checkConfigNamesLineAndKey() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/bad.yaml"
        try "domain: example.test\nplugins:\n  - plugin: text-chat\n    port: 123456\n    colour: blue\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ParleydProcess.run(["check-config", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("\(path):4: text-chat.port: expected an integer from 0 to 65535, got 123456"))
        #expect(result.stdout.contains("\(path):5: text-chat.colour: unknown option"))

        let good = dir.path + "/good.yaml"
        try "storage: \(dir.path)/storage\nplugins:\n  - plugin: text-chat\n".write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try ParleydProcess.run(["check-config", good])
        #expect(ok.status == 0, "\(ok.stdout)")
        #expect(ok.stdout.contains("OK (1 plugin: text-chat)"))
    }

    @Test func badAuthStringListsKinds() throws {
        let dir = try TemporaryDirectory()
        let result = try ParleydProcess.run(["text-chat", "--port", "0", "--storage", dir.path, "--auth", "lpad:x"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("lpad"))
        #expect(result.stderr.contains("file"))
        #expect(result.stderr.contains("memory"))
        #expect(result.stderr.contains("anonymous"))
    }

    @Test func badPluginOptionIsNamed() throws {
        let result = try ParleydProcess.run(["text-chat", "--port", "many"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("port: expected integer, got 'many'"))
    }

    /// Two clients log in through the portal against the flat-file store, meet in a room,
    /// talk, see a password change made by `parleyd user passwd` while running, survive a
    /// SIGHUP, and are told before the daemon exits on SIGTERM.
    @Test func chatThroughTheRunningDaemon() throws {
        let dir = try TemporaryDirectory()
        let storage = dir.path + "/storage"
        for (user, password) in [("alice", "alicepw"), ("bob", "bobpw")] {
            let added = try ParleydProcess.run(["user", "add", user, "--storage", storage], input: password + "\n")
            #expect(added.status == 0, "\(added.stderr)")
        }
        let config = dir.path + "/parley.yaml"
        try """
            domain: example.test
            storage: \(storage)
            auth: file
            plugins:
              - plugin: text-chat
                port: 0
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try ParleydProcess(["--config", config])
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "text-chat")

        let alice = try LineClient(port: port)
        try alice.expect(prefix: "HELLO")
        alice.send("JOIN #dev")
        try alice.expect(prefix: "ERR not-logged-in")
        alice.send("LOGIN alice wrong")
        try alice.expect(prefix: "ERR not-authorized")
        alice.send("LOGIN alice alicepw")
        let aliceLine = try alice.expect(prefix: "OK logged in as alice@example.test/")
        let aliceAddress = String(aliceLine.dropFirst("OK logged in as ".count))

        let bob = try LineClient(port: port)
        bob.send("LOGIN Bob bobpw")
        try bob.expect(prefix: "OK logged in as bob@example.test/")

        alice.send("JOIN #dev")
        try alice.expect(prefix: "JOINED #dev alice created")
        try alice.expect(prefix: "NAMES #dev @alice")
        bob.send("JOIN #Dev")
        try bob.expect(prefix: "JOINED #dev bob")
        try bob.expect { $0.hasPrefix("NAMES #dev") && $0.contains("@alice") && $0.contains("bob") }
        try alice.expect(prefix: "JOIN #dev bob")

        bob.send("SAY #dev hello everyone")
        try alice.expect(prefix: "SAY #dev bob hello everyone")
        try bob.expect(prefix: "SAY #dev bob hello everyone")

        alice.send("MSG bob hi bob")
        try bob.expect(prefix: "MSG \(aliceAddress) hi bob")

        bob.send("TOPIC #dev mine")
        try bob.expect(prefix: "ERR not-allowed")
        alice.send("TOPIC #dev release on Friday")
        try bob.expect(prefix: "TOPIC #dev alice release on Friday")

        // A password change by another process is picked up without a restart.
        let passwd = try ParleydProcess.run(["user", "passwd", "alice", "--storage", storage], input: "newpw\n")
        #expect(passwd.status == 0)
        let third = try LineClient(port: port)
        third.send("LOGIN alice alicepw")
        try third.expect(prefix: "ERR not-authorized")
        third.send("LOGIN alice newpw")
        try third.expect(prefix: "OK logged in as alice@example.test/")

        daemon.signal(SIGHUP)
        _ = try daemon.waitForLog("SIGHUP: reloading")
        alice.send("PING after-hup")
        try alice.expect(prefix: "PONG after-hup")

        daemon.signal(SIGTERM)
        try alice.expect(prefix: "BYE server shutting down")
        try bob.expect(prefix: "BYE server shutting down")
        #expect(alice.readsToEnd())
        #expect(daemon.waitForExit() == 0, "\(daemon.log)")
    }

    /// Lines that arrive together wait in the connection's inbox (reading pauses when too
    /// many wait) and are all answered, in order: none is dropped or refused as a flood.
    /// The login timeout comes from the loop's sweeper.
    @Test func textChatKeepsEveryPipelinedLineAndTimesOutLogins() throws {
        let daemon = try ParleydProcess(["text-chat", "--port", "0", "--login-timeout", "3", "--auth", "memory:alice:a"])
        defer { daemon.stop() }
        let port = try daemon.listeningPort(of: "text-chat")
        let client = try LineClient(port: port)
        try client.expect(prefix: "HELLO")
        client.send((0..<1000).map { "PING \($0)" }.joined(separator: "\r\n"))
        for index in 0..<1000 {
            let line = try client.expect("a PONG") { $0.hasPrefix("PONG") }
            #expect(line == "PONG \(index)")
        }
        // Still not logged in after the timeout: told, then closed.
        try client.expect(prefix: "ERR login-timeout")
        #expect(client.readsToEnd())
    }

    /// Two plugin instances from one config file run in one process and share one chat
    /// service: a user on each listener meets the other in the same room.
    @Test func severalPluginsInOneProcess() throws {
        let dir = try TemporaryDirectory()
        let config = dir.path + "/parley.yaml"
        try """
            domain: example.test
            storage: \(dir.path)/storage
            auth: memory:alice:a,bob:b
            plugins:
              - plugin: text-chat
                port: 0
              - plugin: text-chat
                port: 0
                max-line: 256
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try ParleydProcess(["--config", config])
        defer { daemon.stop() }
        let ports = try daemon.listeningPorts(of: "text-chat", count: 2)
        #expect(ports[0] != ports[1])
        // The instance with its own limit, found by what it logged.
        let limited = try daemon.listeningPorts(of: "text-chat", count: 1, marker: #""max-line":"256""#)[0]
        let standard = try #require(ports.first { $0 != limited })

        let alice = try LineClient(port: standard)
        alice.send("LOGIN alice a")
        try alice.expect(prefix: "OK logged in")
        alice.send("JOIN #ops")
        try alice.expect(prefix: "JOINED #ops alice created")

        let bob = try LineClient(port: limited)
        bob.send("LOGIN bob b")
        try bob.expect(prefix: "OK logged in")
        bob.send("JOIN #ops")
        try bob.expect(prefix: "JOINED #ops bob")
        bob.send("SAY #ops across listeners")
        try alice.expect(prefix: "SAY #ops bob across listeners")

        // The second instance has its own limit: a 300-byte line is refused there only.
        bob.send("SAY #ops " + String(repeating: "x", count: 300))
        try bob.expect(prefix: "ERR line-too-long lines are limited to 256 bytes")
        alice.send("SAY #ops " + String(repeating: "y", count: 300))
        try alice.expect(prefix: "SAY #ops alice yyyy")

        daemon.signal(SIGINT)
        try alice.expect(prefix: "BYE server shutting down")
        #expect(daemon.waitForExit() == 0, "\(daemon.log)")
    }
}
