import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyMUC

/// Room events as the stanzas an XMPP occupant receives (XEP-0045 §7).
@Suite struct MUCEventRendererTests {
    let renderer = MUCEventRenderer(rooms: RoomJIDMapping(domain: "conference.example.org"), codec: XMPPStanzaCodec())
    let room = RoomID("dev")!
    let me = SessionID(user: UserID(localpart: "alice", domain: "example.org"), resource: "desk")
    let bob = SessionID(user: UserID(localpart: "bob", domain: "example.org"), resource: "phone")

    func occupant(_ nick: String, _ session: SessionID, role: Role = .participant, affiliation: Affiliation = .none) -> Occupant {
        Occupant(
            nick: Nickname(nick)!, user: session.user, sessions: [session], role: role, affiliation: affiliation,
            presence: Presence(), isGuest: false)
    }

    func codes(_ stanza: XMLElement) -> [String] {
        stanza.firstChild(named: "x", namespace: MUCNamespace.user)?.elements.filter { $0.name == "status" }
            .compactMap { $0[attribute: "code"] } ?? []
    }

    @Test func entrySendsOthersThenSelfWith110ThenHistoryThenSubject() throws {
        let alice = occupant("Alice", me, role: .moderator, affiliation: .owner)
        let other = occupant("Bob", bob)
        var old = Message(kind: .room, from: .occupant(room, Nickname("Bob")!), to: .room(room), body: "earlier")
        old.id = "sid-1"
        old.timestamp = Date(timeIntervalSince1970: 1_000_000)
        let snapshot = RoomSnapshot(
            room: room, you: alice, occupants: [other, alice], topic: Topic(text: "plans", setBy: nil, at: Date()),
            history: [old], configuration: RoomConfiguration(), created: true)
        let stanzas = renderer.render(.entered(snapshot), in: room, me: me, to: "alice@example.org/desk")
        #expect(stanzas.map { $0.name } == ["presence", "presence", "message", "message"])
        #expect(stanzas[0][attribute: "from"] == "dev@conference.example.org/Bob")
        #expect(codes(stanzas[0]).isEmpty)
        #expect(stanzas[1][attribute: "from"] == "dev@conference.example.org/Alice")
        #expect(codes(stanzas[1]) == ["100", "110", "201"])
        let item = try #require(stanzas[1].firstChild(named: "x", namespace: MUCNamespace.user)?.firstChild(named: "item", namespace: MUCNamespace.user))
        #expect(item[attribute: "affiliation"] == "owner" && item[attribute: "role"] == "moderator")
        #expect(item[attribute: "jid"] == "alice@example.org/desk")
        let history = stanzas[2]
        #expect(history.firstChild(named: "delay", namespace: XMPPNamespace.delay) != nil)
        #expect(history.firstChild(named: "stanza-id", namespace: MUCNamespace.stanzaID)?[attribute: "id"] == "sid-1")
        #expect(stanzas[3].firstChild(named: "subject")?.text == "plans")
        // maxchars counts whole stanzas: one that does not fit is left out, one that does stays.
        let tight = renderer.render(
            .entered(snapshot), in: room, me: me, to: "alice@example.org/desk", history: MUCHistoryRequest(maxChars: 10))
        #expect(tight.count == 3)
        let roomy = renderer.render(
            .entered(snapshot), in: room, me: me, to: "alice@example.org/desk", history: MUCHistoryRequest(maxChars: 10_000))
        #expect(roomy[2] == stanzas[2])
    }

    @Test func historyLimitsApply() {
        let messages = (0..<10).map { index in
            Message(
                kind: .room, from: .occupant(room, Nickname("Bob")!), to: .room(room), body: "m\(index)",
                timestamp: Date(timeIntervalSince1970: Double(1000 + index * 60)))
        }
        let now = Date(timeIntervalSince1970: 1000 + 9 * 60)
        func kept(_ request: MUCHistoryRequest, size: Int = 1) -> [String?] {
            messages.suffix(request.newestCount(of: messages, now: now) { _ in size }).map(\.body)
        }
        #expect(kept(MUCHistoryRequest(maxStanzas: 3)) == ["m7", "m8", "m9"])
        #expect(kept(MUCHistoryRequest(maxStanzas: 0)).isEmpty)
        #expect(kept(MUCHistoryRequest(seconds: 125)) == ["m7", "m8", "m9"])
        #expect(kept(MUCHistoryRequest(maxChars: 250), size: 100).count == 2)
        #expect(kept(MUCHistoryRequest(since: Date(timeIntervalSince1970: 1000 + 8 * 60))).count == 2)
    }

    @Test func aBadHistoryValueIsABadRequest() {
        var x = XMLElement(name: "x", namespace: MUCNamespace.muc)
        x.append(XMLElement(name: "history", namespace: MUCNamespace.muc, attributes: [XMLAttribute("maxstanzas", value: "many")]))
        #expect(throws: StanzaError.self) { try MUCHistoryRequest(join: x) }
    }

    @Test func aNickChangeIs303FromTheOldNickThenPresenceFromTheNew() {
        let old = occupant("Bob", bob)
        var new = old
        new.nick = Nickname("Robert")!
        let stanzas = renderer.render(
            .occupantChanged(old: old, new: new, by: RoomActor(session: bob, occupant: new)), in: room, me: me,
            to: "alice@example.org/desk")
        #expect(stanzas.count == 2)
        #expect(stanzas[0][attribute: "type"] == "unavailable")
        #expect(codes(stanzas[0]) == ["303"])
        #expect(stanzas[0].firstChild(named: "x", namespace: MUCNamespace.user)?.firstChild(named: "item", namespace: MUCNamespace.user)?[attribute: "nick"] == "Robert")
        #expect(stanzas[1][attribute: "from"] == "dev@conference.example.org/Robert")
    }

    @Test func aKickNamesTheActorAndTheReason() throws {
        let victim = occupant("Bob", bob)
        let moderator = RoomActor(session: me, occupant: occupant("Alice", me, role: .moderator))
        let stanzas = renderer.render(
            .occupantLeft(victim, .kicked(by: moderator, reason: "spam")), in: room, me: bob, to: "bob@example.org/phone")
        let stanza = try #require(stanzas.first)
        #expect(stanza[attribute: "type"] == "unavailable")
        #expect(codes(stanza) == ["307", "110"])
        let item = try #require(stanza.firstChild(named: "x", namespace: MUCNamespace.user)?.firstChild(named: "item", namespace: MUCNamespace.user))
        #expect(item[attribute: "role"] == "none")
        #expect(item.firstChild(named: "actor", namespace: MUCNamespace.user)?[attribute: "nick"] == "Alice")
        #expect(item.firstChild(named: "reason", namespace: MUCNamespace.user)?.text == "spam")
    }

    @Test func aDestroyedRoomSaysWhyAndWhereToGo() throws {
        // XEP-0045 §10.9: affiliation and role none, <destroy jid=…><reason/></destroy>.
        let leaving = occupant("Bob", bob, role: .participant)
        let stanzas = renderer.render(
            .occupantLeft(leaving, .destroyed(reason: "moved", alternate: "new@conference.example.org")), in: room, me: bob,
            to: "bob@example.org/phone")
        let x = try #require(stanzas.first?.firstChild(named: "x", namespace: MUCNamespace.user))
        #expect(stanzas.first?[attribute: "type"] == "unavailable")
        #expect(x.firstChild(named: "item", namespace: MUCNamespace.user)?[attribute: "affiliation"] == "none")
        let destroy = try #require(x.firstChild(named: "destroy", namespace: MUCNamespace.user))
        #expect(destroy[attribute: "jid"] == "new@conference.example.org")
        #expect(destroy.firstChild(named: "reason", namespace: MUCNamespace.user)?.text == "moved")
    }

    @Test func groupchatKeepsTheSendersIdAndAddsTheRoomsStanzaID() {
        var message = Message(kind: .room, from: .occupant(room, Nickname("Bob")!), to: .room(room), body: "hi")
        message.id = "room-minted"
        message.originID = "client-id"
        let sender = RoomActor(session: bob, occupant: occupant("Bob", bob))
        let stanza = renderer.groupchat(message, in: room, sender: sender)
        #expect(stanza[attribute: "id"] == "client-id")
        #expect(stanza[attribute: "type"] == "groupchat")
        let stanzaID = stanza.firstChild(named: "stanza-id", namespace: MUCNamespace.stanzaID)
        #expect(stanzaID?[attribute: "id"] == "room-minted" && stanzaID?[attribute: "by"] == "dev@conference.example.org")
        #expect(stanza.firstChild(named: "occupant-id", namespace: MUCNamespace.occupantID)?[attribute: "id"] == OccupantID.of(bob.user, in: room))
    }
}
