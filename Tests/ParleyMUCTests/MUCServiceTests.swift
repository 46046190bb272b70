import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP
import Synchronization
import Testing

@testable import ParleyMUC

/// `MUCService` against a real chat service: a client's stanzas become its session's room
/// operations, and refusals come back as the XEP-0045 errors.
@Suite struct MUCServiceTests {
    /// Records what the service answers and the history asked for.
    final class Client: MUCClient {
        let sent = Mutex<[XMLElement]>([])
        let history = Mutex<[RoomID: MUCHistoryRequest]>([:])
        func send(_ element: XMLElement) async { sent.withLock { $0.append(element) } }
        func expectEntry(to room: RoomID, history request: MUCHistoryRequest) {
            history.withLock { $0[room] = request }
        }
        var errors: [String] {
            sent.withLock { $0 }.compactMap { StanzaError(from: $0)?.condition.rawValue }
        }
    }

    final class Mind: SessionMind {
        let protocolFamily = ProtocolFamily.xmpp
        let events = Mutex<[ChatEvent]>([])
        func deliver(_ event: ChatEvent) throws { events.withLock { $0.append(event) } }
    }

    let chat = ChatService(
        configuration: ChatServiceConfiguration(domain: "example.org"), contacts: InMemoryContactListStore())
    let service: MUCService

    init() {
        service = MUCService(domain: "conference.example.org", chat: chat, codec: XMPPStanzaCodec())
    }

    func session(_ user: String) async throws -> ChatSession {
        try await chat.openSession(for: UserID(localpart: user, domain: "example.org"), resource: "r", mind: Mind())
    }

    func stanza(_ xml: String) throws -> XMLElement {
        try XMLStreamParser.parseDocument(Array(xml.utf8))
    }

    /// Sends `xml` to the service from `session`, addressed to its `to`.
    func send(_ xml: String, from session: ChatSession, client: Client) async throws {
        let element = try stanza(xml)
        await service.receive(element, to: try #require(JID(element[attribute: "to"] ?? "")), session: session, client: client)
    }

    /// The owner's instant-room form (§10.1.2): an empty submitted form.
    func unlock(_ room: String, as owner: ChatSession) async throws {
        let client = Client()
        try await send(
            "<iq xmlns='jabber:client' type='set' id='c1' to='\(room)@conference.example.org'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>",
            from: owner, client: client)
        #expect(client.sent.withLock { $0.last?[attribute: "type"] } == "result")
    }

    @Test func enteringJoinsTheSessionANewRoomIsLockedAndAConflictingNickIs409() async throws {
        let alice = try await session("alice"), bob = try await session("bob")
        let client = Client()
        let join = try stanza(
            "<presence xmlns='jabber:client' to='dev@conference.example.org/Al'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='2'/></x></presence>")
        await service.receive(join, to: JID("dev@conference.example.org/Al")!, session: alice, client: client)
        #expect(alice.joinedRooms == [RoomID("dev")!])
        #expect(client.history.withLock { $0[RoomID("dev")!] } == MUCHistoryRequest(maxStanzas: 2))
        // §10.1.1: until alice configures the room it does not exist for others.
        let other = Client()
        await service.receive(join, to: JID("dev@conference.example.org/Al")!, session: bob, client: other)
        #expect(other.errors == ["item-not-found"])
        try await unlock("dev", as: alice)
        await service.receive(join, to: JID("dev@conference.example.org/Al")!, session: bob, client: other)
        #expect(other.errors == ["item-not-found", "conflict"])
        #expect(bob.joinedRooms.isEmpty)
        await alice.close()
        await bob.close()
    }

    /// XEP-0045 nicks are resourceparts: spaces inside are fine (normalized as RFC 8266),
    /// a nick of spaces only is no nick.
    @Test func aNickWithSpacesEntersAndOneOfSpacesOnlyIsMalformed() async throws {
        let anne = try await session("anne"), bob = try await session("bob")
        let client = Client()
        try await bob.join(try #require(RoomID("dev")), as: try #require(Nickname("Bob")))
        await service.receive(
            try stanza("<presence xmlns='jabber:client' to='dev@conference.example.org/Anne Marie'><x xmlns='http://jabber.org/protocol/muc'/></presence>"),
            to: JID("dev@conference.example.org/Anne Marie")!, session: anne, client: client)
        #expect(client.errors.isEmpty)
        let dev = try #require(RoomID("dev"))
        let state = try #require(await chat.room(dev)?.snapshot)
        #expect(state.occupant(of: anne.id)?.nick.displayName == "Anne Marie")
        let blank = Client()
        await service.receive(
            try stanza("<presence xmlns='jabber:client' to='dev@conference.example.org/ '/>"),
            to: JID(localpart: "dev", domain: "conference.example.org", resource: " "), session: bob, client: blank)
        #expect(blank.errors == ["jid-malformed"])
        await anne.close()
        await bob.close()
    }

    @Test func groupchatFromANonOccupantIsNotAcceptableAndANicklessJoinIsMalformed() async throws {
        let carol = try await session("carol"), dave = try await session("dave")
        let client = Client()
        let message = try stanza(
            "<message xmlns='jabber:client' to='dev@conference.example.org' type='groupchat'><body>hi</body></message>")
        // No such room yet, then a room carol is not in (§7.4).
        await service.receive(message, to: JID("dev@conference.example.org")!, session: carol, client: client)
        try await dave.join(try #require(RoomID("dev")), as: try #require(Nickname("Dave")))
        await service.receive(message, to: JID("dev@conference.example.org")!, session: carol, client: client)
        let nickless = try stanza("<presence xmlns='jabber:client' to='dev@conference.example.org'/>")
        await service.receive(nickless, to: JID("dev@conference.example.org")!, session: carol, client: client)
        #expect(client.errors == ["item-not-found", "not-acceptable", "jid-malformed"])
        await carol.close()
        await dave.close()
    }

    @Test func aModeratorKicksThroughMucAdmin() async throws {
        let alice = try await session("alice"), bob = try await session("bob")
        let client = Client()
        let room = try #require(RoomID("ops"))
        try await alice.join(room, as: try #require(Nickname("Alice")))  // the creator: owner, moderator
        try await bob.join(room, as: try #require(Nickname("Bob")))
        let kick = try stanza(
            "<iq xmlns='jabber:client' type='set' id='k1' to='ops@conference.example.org'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Bob' role='none'><reason>bye</reason></item></query></iq>")
        await service.receive(kick, to: JID("ops@conference.example.org")!, session: alice, client: client)
        #expect(client.sent.withLock { $0.first?[attribute: "type"] } == "result")
        #expect(bob.joinedRooms.isEmpty)
        // Bob, no longer in, cannot kick back.
        let back = try stanza(
            "<iq xmlns='jabber:client' type='set' id='k2' to='ops@conference.example.org'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Alice' role='none'/></query></iq>")
        let bobs = Client()
        await service.receive(back, to: JID("ops@conference.example.org")!, session: bob, client: bobs)
        #expect(bobs.errors == ["not-acceptable"])
        await alice.close()
        await bob.close()
    }
}
