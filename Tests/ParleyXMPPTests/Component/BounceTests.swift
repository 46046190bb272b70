import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing


/// Which stanzas a vanished component's queue answers, and how (RFC 6120 §8.3.1).
@Suite struct BounceTests {
    let alice = SessionID(user: UserID(localpart: "alice", domain: "localhost"), resource: "phone")
    let bot = UserID(localpart: "", domain: "echo.localhost")
    let extensions = XMPPExtensionCodec()

    @Test func aChatMessageGetsServiceUnavailableFromTheComponentAddress() throws {
        let message = Message(id: "m1", kind: .chat, from: .session(alice), to: .user(bot), body: "hi")
        guard case .message(let reply)? = Bounce.reply(to: .message(message), extensions: extensions) else {
            Issue.record("no reply")
            return
        }
        #expect(reply.kind == .error)
        #expect(reply.id == "m1")
        #expect(reply.from == .user(bot))
        #expect(reply.to == .session(alice))
        let element = try #require(reply.payloads.first?.native?.value as? XMLElement)
        #expect(element.name == "error" && element.namespace == XMPPNamespace.client)
        #expect(element.firstChild(named: "service-unavailable", namespace: XMPPNamespace.stanzaErrors) != nil)
    }

    @Test func anIQRequestGetsAnErrorAndAnswersAreNotAnswered() {
        let target = SessionID(user: bot, resource: "")
        let get = Query(id: "q1", kind: .get, from: .session(alice), to: target)
        guard case .query(let reply)? = Bounce.reply(to: .query(get), extensions: extensions) else {
            Issue.record("no reply")
            return
        }
        #expect(reply.kind == .error && reply.id == "q1" && reply.to == alice && reply.from == .session(target))
        #expect(Bounce.reply(to: .query(Query(id: "q2", kind: .result, from: .session(alice), to: target)), extensions: extensions) == nil)
    }

    @Test func headlinesErrorsAndPresenceAreDropped() {
        for kind in [Message.Kind.headline, .error, .room, .notice] {
            let message = Message(kind: kind, from: .session(alice), to: .user(bot), body: "x")
            #expect(Bounce.reply(to: .message(message), extensions: extensions) == nil, "\(kind)")
        }
        #expect(Bounce.reply(to: .presence(Presence(), from: alice, to: .user(bot)), extensions: extensions) == nil)
    }

    @Test func aComponentStanzaIsAnsweredWithAddressesSwapped() throws {
        let stanza = try XMLStreamParser.parseDocument(
            "<message xmlns='jabber:component:accept' from='a.example' to='b.example' id='x' type='chat'><body>hi</body></message>")
        let reply = try #require(Bounce.reply(to: stanza))
        #expect(reply[attribute: "from"] == "b.example" && reply[attribute: "to"] == "a.example")
        #expect(reply[attribute: "type"] == "error" && reply[attribute: "id"] == "x")
        let untyped = try XMLStreamParser.parseDocument("<message xmlns='jabber:component:accept' from='a' to='b'/>")
        #expect(Bounce.reply(to: untyped) != nil)
        for type in ["headline", "error", "groupchat"] {
            let other = try XMLStreamParser.parseDocument("<message xmlns='jabber:component:accept' type='\(type)' from='a' to='b'/>")
            #expect(Bounce.reply(to: other) == nil, "\(type)")
        }
        let result = try XMLStreamParser.parseDocument("<iq xmlns='jabber:component:accept' type='result' id='1' from='a' to='b'/>")
        #expect(Bounce.reply(to: result) == nil)
    }
}
