import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyMUC

/// XEP-0045 §9 lists and §10 owner use cases through `MUCService`.
extension MUCServiceTests {
    func owned(_ room: String) async throws -> (owner: ChatSession, room: RoomID) {
        let owner = try await session("olivia")
        let id = try #require(RoomID(room))
        try await owner.join(id, as: try #require(Nickname("Olivia")), lockingNewRoom: true)
        return (owner, id)
    }

    func ownerQuery(_ room: String, _ type: String, _ body: String) -> String {
        "<iq xmlns='jabber:client' type='\(type)' id='o1' to='\(room)@conference.example.org'><query xmlns='http://jabber.org/protocol/muc#owner'>\(body)</query></iq>"
    }

    func form(_ fields: [(String, String)]) -> String {
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
            + fields.map { "<field var='\($0.0)'><value>\($0.1)</value></field>" }.joined() + "</x>"
    }

    @Test func theOwnerReadsAndSubmitsTheConfigurationForm() async throws {
        let (olivia, room) = try await owned("conf")
        let client = Client()
        try await send(ownerQuery("conf", "get", ""), from: olivia, client: client)
        let reply = try #require(client.sent.withLock { $0.last })
        let formElement = try #require(reply.elements.first?.firstChild(named: "x", namespace: XMPPNamespace.dataForms))
        let offered = try DataForm(element: formElement)
        #expect(offered.formType == MUCNamespace.roomConfig)
        #expect(offered.value(of: "muc#roomconfig_persistentroom") == "0")
        try await send(
            ownerQuery(
                "conf", "set",
                form([
                    ("muc#roomconfig_roomname", "Conference"), ("muc#roomconfig_membersonly", "1"),
                    ("muc#roomconfig_passwordprotectedroom", "1"), ("muc#roomconfig_roomsecret", "s3cret"),
                    ("muc#roomconfig_maxusers", "30"), ("muc#roomconfig_allowinvites", "1"),
                ])),
            from: olivia, client: client)
        #expect(client.sent.withLock { $0.last?[attribute: "type"] } == "result")
        let state = try #require(await chat.room(room)?.snapshot)
        #expect(!state.isLocked)
        #expect(state.configuration.name == "Conference")
        #expect(state.configuration.membersOnly)
        #expect(state.configuration.password == "s3cret")
        #expect(state.configuration.maxOccupants == 30)
        await olivia.close()
    }

    @Test func anUnknownFieldOrABadValueIsABadRequestNamingTheField() async throws {
        let (olivia, room) = try await owned("strict")
        for (field, value) in [("muc#roomconfig_colour", "blue"), ("muc#roomconfig_moderatedroom", "maybe"),
                               ("muc#maxhistoryfetch", "9999")] {
            let client = Client()
            try await send(ownerQuery("strict", "set", form([(field, value)])), from: olivia, client: client)
            let error = try #require(client.sent.withLock { $0.last }.flatMap { StanzaError(from: $0) })
            #expect(error.condition == .badRequest)
            #expect(error.text?.contains(field) == true)
        }
        // Nothing was applied, and the room is still locked.
        let state = try #require(await chat.room(room)?.snapshot)
        #expect(state.isLocked)
        #expect(state.configuration == ChatServiceConfiguration(domain: "example.org").roomDefaults)
        await olivia.close()
    }

    @Test func onlyOwnersConfigureAndCancellingANewRoomDestroysIt() async throws {
        let (olivia, room) = try await owned("temp")
        try await unlock("temp", as: olivia)
        let mallory = try await session("mallory")
        try await mallory.join(room, as: try #require(Nickname("Mal")))
        let refused = Client()
        try await send(ownerQuery("temp", "get", ""), from: mallory, client: refused)
        try await send(ownerQuery("temp", "set", form([("muc#roomconfig_moderatedroom", "1")])), from: mallory, client: refused)
        #expect(refused.errors == ["forbidden", "forbidden"])
        // §10.1.3: a cancelled form destroys a room only while it is new and locked.
        let (owner2, fresh) = (try await session("oscar"), try #require(RoomID("fresh")))
        try await owner2.join(fresh, as: try #require(Nickname("Oscar")), lockingNewRoom: true)
        let client = Client()
        try await send(ownerQuery("fresh", "set", "<x xmlns='jabber:x:data' type='cancel'/>"), from: owner2, client: client)
        #expect(chat.room(fresh) == nil)
        #expect(owner2.joinedRooms.isEmpty)
        try await send(ownerQuery("temp", "set", "<x xmlns='jabber:x:data' type='cancel'/>"), from: olivia, client: client)
        #expect(chat.room(room) != nil)
        await olivia.close()
        await mallory.close()
        await owner2.close()
    }

    @Test func destroyTellsEveryOccupantAndRemovesThePersistentRoom() async throws {
        let (olivia, room) = try await owned("old")
        try await send(ownerQuery("old", "set", form([("muc#roomconfig_persistentroom", "1")])), from: olivia, client: Client())
        let guestMind = Mind()
        let guest = try await chat.openSession(
            for: UserID(localpart: "gus", domain: "example.org"), resource: "r", mind: guestMind)
        try await guest.join(room, as: try #require(Nickname("Gus")))
        let refused = Client()
        try await send(ownerQuery("old", "set", "<destroy/>"), from: guest, client: refused)
        #expect(refused.errors == ["forbidden"])
        let client = Client()
        try await send(
            ownerQuery("old", "set", "<destroy jid='new@conference.example.org'><reason>moved</reason></destroy>"),
            from: olivia, client: client)
        #expect(client.sent.withLock { $0.last?[attribute: "type"] } == "result")
        #expect(chat.room(room) == nil)
        #expect(guest.joinedRooms.isEmpty && olivia.joinedRooms.isEmpty)
        let left = guestMind.events.withLock { $0 }.compactMap { event -> LeaveReason? in
            if case .room(_, .occupantLeft(let occupant, let reason)) = event, occupant.nick.displayName == "Gus" { return reason }
            return nil
        }
        #expect(left == [.destroyed(reason: "moved", alternate: "new@conference.example.org")])
        await olivia.close()
        await guest.close()
    }

    @Test func affiliationAndRoleListsGoToThoseAllowedToSeeThem() async throws {
        let (olivia, room) = try await owned("lists")
        try await unlock("lists", as: olivia)
        let bob = try await session("bob")
        try await bob.join(room, as: try #require(Nickname("Bob")))
        try await olivia.setAffiliation(.member, of: bob.user, in: room)
        let client = Client()
        let memberList =
            "<iq xmlns='jabber:client' type='get' id='l1' to='lists@conference.example.org'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>"
        try await send(memberList, from: olivia, client: client)
        let items = try #require(client.sent.withLock { $0.last }?.elements.first).elements
        #expect(items.map { $0[attribute: "jid"] } == ["bob@example.org"])
        #expect(items.map { $0[attribute: "nick"] } == ["Bob"])
        try await send(
            "<iq xmlns='jabber:client' type='get' id='l2' to='lists@conference.example.org'><query xmlns='http://jabber.org/protocol/muc#admin'><item role='moderator'/></query></iq>",
            from: olivia, client: client)
        #expect(try #require(client.sent.withLock { $0.last }?.elements.first).elements.map { $0[attribute: "nick"] } == ["Olivia"])
        // A member sees neither the member list nor the owner list.
        let refused = Client()
        try await send(memberList, from: bob, client: refused)
        try await send(
            "<iq xmlns='jabber:client' type='get' id='l3' to='lists@conference.example.org'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner'/></query></iq>",
            from: bob, client: refused)
        #expect(refused.errors == ["forbidden", "forbidden"])
        await olivia.close()
        await bob.close()
    }
}
