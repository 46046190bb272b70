import ParleyCore
import Testing

@testable import TextChatPlugin

/// The JSON event API's commands: each one's fields, and the refusal of everything else.
@Suite struct JSONCommandTests {
    func parse(_ text: String) throws(JSONCommand.ParseError) -> JSONCommand {
        try JSONCommand.parse(text, domain: "example.com") { $0 == "echo.example.com" }
    }

    @Test func parsesEachCommandWithItsFields() throws {
        let dev = RoomID("dev")!
        let cases: [(String, TextChatCommand)] = [
            (#"{"type":"login","user":"alice","password":"s3cret with spaces"}"#, .login(user: "alice", password: "s3cret with spaces")),
            (##"{"type":"join","room":"#dev"}"##, .join(dev, nick: nil)),
            (#"{"type":"join","room":"dev","nick":"Ally"}"#, .join(dev, nick: Nickname("Ally"))),
            (#"{"type":"say","room":"dev","text":"two\nlines"}"#, .say(dev, text: "two\nlines")),
            (#"{"type":"me","room":"dev","text":"waves"}"#, .me(dev, text: "waves")),
            (#"{"type":"msg","to":"bob","text":"hi"}"#, .msg(UserID(parsing: "bob@example.com")!, text: "hi")),
            (#"{"type":"msg","to":"echo.example.com","text":"hi"}"#, .msg(UserID(parsing: "echo.example.com")!, text: "hi")),
            (#"{"type":"nick","room":"dev","nick":"Al"}"#, .nick(dev, Nickname("Al")!)),
            (#"{"type":"topic","room":"dev","text":"Release Friday"}"#, .topic(dev, text: "Release Friday")),
            (#"{"type":"away","status":"lunch"}"#, .away("lunch")),
            (#"{"type":"away","status":null}"#, .away(nil)),
            (#"{"type":"back"}"#, .back),
            (#"{"type":"part","room":"dev","message":"bye"}"#, .part(dev, message: "bye")),
            (#"{"type":"who","room":"dev"}"#, .who(dev)),
            (#"{"type":"ping","token":"42"}"#, .ping("42")),
            (#"{"type":"quit"}"#, .quit),
            (#"{"type":"help"}"#, .help),
            (#"{"type":"contacts"}"#, .contacts),
            (#"{"type":"subscribe","to":"bob"}"#, .subscription(.subscribe, UserID(parsing: "bob@example.com")!)),
            (#"{"type":"subscribed","to":"bob@other.org"}"#, .subscription(.subscribed, UserID(parsing: "bob@other.org")!)),
        ]
        for (text, expected) in cases {
            #expect(try parse(text).command == expected, "\(text)")
        }
        #expect(try parse(#"{"type":"back","id":"c7"}"#).id == "c7")
    }

    @Test func everyCommandIsDocumentedInHelp() throws {
        for name in JSONCommand.usage.keys {
            let parsed = try? parse(#"{"type":"\#(name)"}"#)
            let refusal = #expect(throws: JSONCommand.ParseError.self) { _ = try parse(#"{"type":"nonsense-\#(name)"}"#) }
            #expect(refusal?.code == "unknown-command")
            // A command either needs no field or says which one is missing; never "unknown".
            if parsed == nil {
                let missing = #expect(throws: JSONCommand.ParseError.self) { _ = try parse(#"{"type":"\#(name)"}"#) }
                #expect(missing?.code == "missing-field", "\(name)")
            }
        }
    }

    @Test func refusesWhatIsNotACommandWithAStableCode() {
        let cases: [(String, String)] = [
            ("not json", "not-json"),
            ("", "not-json"),
            (#"{"type":"say","room":"dev","text":"a"} {"type":"quit"}"#, "not-json"),
            ("[1,2]", "not-an-object"),
            ("\"login\"", "not-an-object"),
            (#"{"room":"dev"}"#, "missing-field"),
            (#"{"type":"launch"}"#, "unknown-command"),
            (#"{"type":"say","room":"dev"}"#, "missing-field"),
            (#"{"type":"say","room":"dev","text":42}"#, "bad-field"),
            (#"{"type":"join","room":["dev"]}"#, "bad-field"),
            (#"{"type":"join","room":"no spaces allowed"}"#, "bad-room"),
            (#"{"type":"join","room":"dev","nick":""}"#, "bad-nick"),
            (#"{"type":"msg","to":"a@b@c","text":"hi"}"#, "bad-user"),
            (#"{"type":"back","id":17}"#, "bad-field"),
            (#"{"type":"back","id":"\#(String(repeating: "x", count: 129))"}"#, "bad-field"),
        ]
        for (text, code) in cases {
            let error = #expect(throws: JSONCommand.ParseError.self, "\(text)") { _ = try parse(text) }
            #expect(error?.code == code, "\(text)")
        }
    }

    @Test func aRefusalCarriesTheMessagesID() {
        let error = #expect(throws: JSONCommand.ParseError.self) { _ = try parse(#"{"type":"say","id":"q1","room":"dev"}"#) }
        #expect(error?.id == "q1")
        #expect(
            JSONEventRenderer.text(JSONEventRenderer.object(for: error!))
                == #"{"code":"missing-field","id":"q1","message":"'text' is missing","type":"error"}"#)
    }
}
