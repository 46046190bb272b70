import Foundation
import ParleyCore
import Testing

@testable import TextChatPlugin

/// The JSON event API's objects for the model's events and for replies: the documented
/// schema, and a peer's text always a JSON string, never structure.
@Suite struct JSONEventRendererTests {
    let alice = SessionID(user: UserID(parsing: "alice@example.com")!, resource: "web")
    let dev = RoomID("dev")!

    func text(_ event: ChatEvent) -> String? { JSONEventRenderer.object(for: event).map(JSONEventRenderer.text) }

    func occupant(_ nick: String, user: String) -> Occupant {
        Occupant(nick: Nickname(nick)!, user: UserID(parsing: user)!, sessions: [], role: .participant, affiliation: .none, presence: Presence())
    }

    @Test func messagesAndPresence() {
        let message = Message(
            kind: .chat, from: .session(alice), to: .user(UserID(parsing: "bob@example.com")!), body: "hi",
            timestamp: Date(timeIntervalSince1970: 0))
        #expect(
            text(.message(message))
                == #"{"body":"hi","from":"alice@example.com/web","kind":"chat","time":"1970-01-01T00:00:00Z","type":"message"}"#)
        #expect(
            text(.presence(from: alice, Presence(.away, status: "lunch")))
                == #"{"from":"alice@example.com/web","show":"away","status":"lunch","type":"presence"}"#)
        #expect(text(.query(Query(id: "q", kind: .get, from: .session(alice), to: alice))) == nil)
    }

    @Test func aHostileBodyStaysOneString() throws {
        let body = "\"},{\"type\":\"closed\"}\n<img src=x onerror=alert(1)>\u{0}"
        let message = Message(kind: .room, from: .occupant(dev, Nickname("mallory")!), to: .room(dev), body: body)
        let rendered = try #require(text(.room(dev, .message(message, from: nil))))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String: Any])
        #expect(parsed["body"] as? String == body)
        #expect(parsed["type"] as? String == "room-message")
        #expect(parsed["from"] as? String == "mallory")
        #expect(!rendered.contains("\n"))
    }

    @Test func roomEntryCarriesOccupantsTopicAndHistory() throws {
        let me = occupant("alice", user: "alice@example.com")
        let irc = occupant("carol", user: "carol@irc.example.com")
        let said = Message(
            kind: .room, from: .occupant(dev, Nickname("carol")!), to: .room(dev), body: "earlier",
            timestamp: Date(timeIntervalSince1970: 60))
        let snapshot = RoomSnapshot(
            room: dev, you: me, occupants: [me, irc],
            topic: Topic(text: "Release Friday", setBy: Nickname("carol"), at: Date(timeIntervalSince1970: 30)),
            history: [said], configuration: RoomConfiguration(), created: false)
        let rendered = try #require(text(.room(dev, .entered(snapshot))))
        #expect(
            rendered
                == #"{"created":false,"history":[{"body":"earlier","from":"carol","kind":"room","time":"1970-01-01T00:01:00Z"}],"#
                + #""nick":"alice","occupants":[{"affiliation":"none","nick":"alice","role":"participant","show":"available"},"#
                + #"{"affiliation":"none","nick":"carol","role":"participant","show":"available"}],"room":"dev","#
                + #""topic":{"by":"carol","text":"Release Friday","time":"1970-01-01T00:00:30Z"},"type":"joined"}"#)
    }

    @Test func repliesCarryTheCommandsID() {
        #expect(
            JSONEventRenderer.text(JSONEventRenderer.object(for: .loggedIn(alice), id: "l1"))
                == #"{"command":"login","id":"l1","session":"alice@example.com/web","type":"ok"}"#)
        #expect(
            JSONEventRenderer.text(JSONEventRenderer.object(for: .done(.join(dev, nick: nil)), id: nil))
                == #"{"command":"join","type":"ok"}"#)
        #expect(
            JSONEventRenderer.text(JSONEventRenderer.object(for: .refused(code: "room-full", message: nil), id: "j2"))
                == #"{"code":"room-full","id":"j2","type":"error"}"#)
        #expect(JSONEventRenderer.text(JSONEventRenderer.hello(domain: "example.com"))
            == #"{"domain":"example.com","server":"parley","type":"hello","version":1}"#)
    }
}
