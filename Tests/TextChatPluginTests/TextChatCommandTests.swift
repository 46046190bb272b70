import ParleyCore
import Testing

@testable import TextChatPlugin

@Suite struct TextChatCommandTests {
    @Test func parsesEachCommand() throws {
        let dev = RoomID("dev")!
        let cases: [(String, TextChatCommand)] = [
            ("LOGIN alice s3cret with spaces", .login(user: "alice", password: "s3cret with spaces")),
            ("join #dev", .join(dev, nick: nil)),
            ("JOIN dev Ally", .join(dev, nick: Nickname("Ally"))),
            ("SAY #dev hello  there", .say(dev, text: "hello  there")),
            ("ME #dev waves", .me(dev, text: "waves")),
            ("MSG bob hi", .msg(UserID(parsing: "bob@example.com")!, text: "hi")),
            ("MSG bob@other.org hi", .msg(UserID(parsing: "bob@other.org")!, text: "hi")),
            ("NICK #dev Al", .nick(dev, Nickname("Al")!)),
            ("TOPIC #dev Release Friday", .topic(dev, text: "Release Friday")),
            ("AWAY lunch", .away("lunch")),
            ("AWAY", .away(nil)),
            ("BACK", .back),
            ("PART #dev bye all", .part(dev, message: "bye all")),
            ("WHO #dev", .who(dev)),
            ("PING 42", .ping("42")),
            ("QUIT", .quit),
            ("help", .help),
            ("CONTACTS", .contacts),
            ("SUBSCRIBE bob", .subscription(.subscribe, UserID(parsing: "bob@example.com")!)),
            ("unsubscribed bob@other.org", .subscription(.unsubscribed, UserID(parsing: "bob@other.org")!)),
        ]
        for (line, expected) in cases {
            #expect(try TextChatCommand.parse(line, domain: "example.com") == expected, "\(line)")
        }
    }

    @Test func msgToAServiceDomainIsNotAUser() throws {
        let services: (String) -> Bool = { $0 == "echo.example.com" }
        let echo = try #require(UserID(parsing: "echo.example.com"))
        #expect(try TextChatCommand.parse("MSG Echo.example.com hi", domain: "example.com", isServiceDomain: services) == .msg(echo, text: "hi"))
        let user = try #require(UserID(parsing: "john.doe@example.com"))
        #expect(try TextChatCommand.parse("MSG john.doe hi", domain: "example.com", isServiceDomain: services) == .msg(user, text: "hi"))
    }

    @Test func errorsSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("DANCE", "unknown-command"),
            ("LOGIN alice", "syntax"),
            ("SAY #dev", "syntax"),
            ("JOIN #a,b", "bad-room"),
            ("MSG a@b@c hi", "bad-user"),
        ]
        for (line, code) in cases {
            #expect(throws: TextChatCommand.ParseError.self, "\(line)") {
                try TextChatCommand.parse(line, domain: "example.com")
            }
            do {
                _ = try TextChatCommand.parse(line, domain: "example.com")
            } catch {
                #expect(error.code == code, "\(line)")
            }
        }
    }

    @Test func peerTextCannotInjectLines() {
        let alice = SessionID(user: UserID(parsing: "alice@x")!, resource: "r")
        let message = Message(from: .session(alice), to: .user(UserID(parsing: "bob@x")!), body: "hi\r\nMSG evil@x forged\0")
        let lines = TextChatRenderer.lines(for: .message(message))
        #expect(lines == ["MSG alice@x/r hi  MSG evil@x forged "])
    }

    @Test func actionMeaningRendersAsAction() {
        let room = RoomID("dev")!
        let message = Message(
            kind: .room, from: .occupant(room, Nickname("al")!), to: .room(room), body: "waves",
            payloads: [ExtensionPayload(meaning: .action)])
        #expect(TextChatRenderer.lines(for: .room(room, .message(message, from: nil))) == ["ME #dev al waves"])
    }
}
