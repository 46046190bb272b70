import Foundation
import ParleyIRC
import Testing

/// Text and nicks from other protocols reach IRC clients safely, end to end through the real
/// `parleyd` running text-chat, xmpp-c2s and irc-server in one process: an XMPP body cannot
/// inject IRC lines, and a text-chat nick cannot pass for an IRC client or an operator
/// (docs/irc-server.md, "Nicks from other protocols").
@Suite(.serialized) struct IRCRenderingSafetyTests {
    final class Daemon {
        let dir: TemporaryDirectory
        let process: ParleydProcess
        let textChat: UInt16
        let irc: UInt16
        let xmpp: UInt16

        init() throws {
            dir = try TemporaryDirectory()
            process = try ParleydProcess(
                in: dir, auth: "memory:alice:alicepw,bob:bobpw,mallory:mallorypw,eve:evepw",
                plugins: """
                    - plugin: text-chat
                      port: 0
                    - plugin: irc-server
                      port: 0
                      tls-port: 0
                      allow-plain-without-tls: true
                    - plugin: xmpp-c2s
                      port: 0
                      require-tls: false
                      allow-plain-without-tls: true
                    """)
            textChat = try process.listeningPort(of: "text-chat")
            irc = try process.listeningPort(of: "irc-server")
            xmpp = try process.listeningPort(of: "xmpp-c2s")
        }

        deinit { process.stop() }

        /// A registered IRC client (PASS account:password on the plain port).
        func ircClient(_ nick: String, password: String) throws -> LineClient {
            let client = try LineClient(port: irc)
            client.send("PASS \(nick):\(password)")
            client.send("NICK \(nick)")
            client.send("USER \(nick) 0 * :\(nick)")
            // The welcome burst ends with the MOTD (376) or its absence (422).
            try client.expect("the end of \(nick)'s welcome") {
                ["376", "422"].contains((try? IRCMessage(parsing: $0))?.command)
            }
            return client
        }

        /// A logged-in text-chat client.
        func textChatClient(_ user: String, password: String) throws -> LineClient {
            let client = try LineClient(port: textChat)
            client.send("LOGIN \(user) \(password)")
            try client.expect(prefix: "OK logged in")
            return client
        }
    }

    /// Reads lines from `client` until one matches; every line read must be a valid IRC line.
    private func expectLine(
        _ client: LineClient, _ what: String, _ match: (IRCMessage) -> Bool
    ) throws -> IRCMessage {
        var seen: [String] = []
        while let line = client.readLine() {
            let message = try IRCMessage(parsing: line)
            #expect(line.utf8.count + 2 <= 512, "line over 512 bytes: \(line)")
            if match(message) { return message }
            seen.append(line)
        }
        throw TestFailure("expected \(what); got \(seen)")
    }

    @Test func foreignNicksCannotPassForIRCClientsOrOperators() throws {
        let daemon = try Daemon()
        let alice = try daemon.ircClient("alice", password: "alicepw")
        alice.send("JOIN #dev")
        _ = try expectLine(alice, "366") { $0.command == "366" }
        // bob is an IRC client, not in #dev.
        let bob = try daemon.ircClient("bob", password: "bobpw")
        _ = bob

        let mallory = try daemon.textChatClient("mallory", password: "mallorypw")
        mallory.send("JOIN #dev alice!alice@localhost")
        try mallory.expect(prefix: "JOINED #dev alice!alice@localhost")
        let spoofJoin = try expectLine(alice, "mallory's JOIN") { $0.command == "JOIN" }
        #expect(spoofJoin.source == "`alice`21alice`40localhost!mallory@localhost")

        let eve = try daemon.textChatClient("eve", password: "evepw")
        eve.send("JOIN #dev @admin")
        try eve.expect(prefix: "JOINED #dev @admin")
        let opJoin = try expectLine(alice, "eve's JOIN") { $0.command == "JOIN" }
        #expect(opJoin.source == "``40admin!eve@localhost")

        // Named like the IRC client bob, but not bob: shown in the foreign form, with its own user.
        mallory.send("PART #dev")
        _ = try expectLine(alice, "mallory's PART") { $0.command == "PART" }
        mallory.send("JOIN #dev bob")
        try mallory.expect(prefix: "JOINED #dev bob")
        let bobJoin = try expectLine(alice, "the second JOIN") { $0.command == "JOIN" }
        #expect(bobJoin.source == "`bob!mallory@localhost")
        mallory.send("SAY #dev I am bob")
        let said = try expectLine(alice, "the PRIVMSG") { $0.command == "PRIVMSG" }
        #expect(said.source?.hasPrefix("bob!") == false)
        #expect(said.source?.hasPrefix("`bob") == true)
        #expect(said.parameters == ["#dev", "I am bob"])

        // NAMES: nobody else shows as alice, bob or an operator.
        alice.send("NAMES #dev")
        let names = try expectLine(alice, "353") { $0.command == "353" }
        let listed = names.parameters.last!.split(separator: " ").map(String.init)
        let bare = listed.map { String($0.drop(while: { "~&@+".contains($0) })) }
        #expect(bare.sorted() == ["``40admin", "`bob", "alice"])
        #expect(listed.contains("``40admin") && listed.contains("`bob"))
        // An IRC client cannot take a foreign form.
        bob.send("NICK `bob")
        let refused = try expectLine(bob, "432") { $0.command == "432" }
        #expect(refused.parameters[1] == "`bob")
    }

    /// A real XMPP client (slixmpp, Tests/Interop/xmpp/hostile_body.py) sends a body with
    /// CR, LF and IRC commands in it to an IRC user: every piece arrives as its own PRIVMSG
    /// from the sender, and no line of the sender's choosing.
    @Test func anXMPPBodyCannotInjectIRCLines() throws {
        let daemon = try Daemon()
        let alice = try daemon.ircClient("alice", password: "alicepw")
        let sent = try PythonPeer.run(
            "xmpp", "hostile_body.py",
            [
                "--host", "127.0.0.1", "--port", "\(daemon.xmpp)", "--domain", "localhost", "--tls", "starttls",
                "--mechanism", "PLAIN", "--to", "alice@localhost", "--words", "300",
            ])
        #expect(sent.ok, "\(sent)")
        let long = (0..<300).map { "word\($0)" }.joined(separator: " ")
        var received: [IRCMessage] = []
        while received.map(\.parameters.last!).joined(separator: " ").contains("word299") == false {
            received.append(try expectLine(alice, "the pieces of mallory's message") { _ in true })
        }
        for line in received {
            #expect(line.command == "PRIVMSG")
            #expect(line.source == "mallory!mallory@localhost")
            #expect(line.parameters.first == "alice")
        }
        let texts = received.map { $0.parameters.last! }
        #expect(Array(texts.prefix(3)) == ["hi", "PRIVMSG #ops :pwned", "QUIT :x"])
        // The long line arrives whole, in pieces cut between words.
        #expect(texts.dropFirst(3).joined(separator: " ") == long)
        #expect(texts.count > 4)
    }
}
