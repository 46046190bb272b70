import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyMUC

/// XEP-0045 §7.13 voice requests through `MUCService`.
extension MUCServiceTests {
    func voiceForm(_ fields: [(String, String)]) -> String {
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field>"
            + fields.map { "<field var='\($0.0)'><value>\($0.1)</value></field>" }.joined() + "</x>"
    }

    @Test func aVisitorAsksForVoiceAndAModeratorGrantsIt() async throws {
        let moderatorMind = Mind()
        let olivia = try await chat.openSession(
            for: UserID(localpart: "olivia", domain: "example.org"), resource: "r", mind: moderatorMind)
        let room = try #require(RoomID("quiet"))
        try await olivia.join(room, as: try #require(Nickname("Olivia")))
        var configuration = RoomConfiguration()
        configuration.moderated = true
        try await olivia.configure(room, configuration)
        let victor = try await session("victor")
        try await victor.join(room, as: try #require(Nickname("Victor")))
        #expect(await chat.room(room)?.snapshot.occupants[Nickname("Victor")!]?.role == .visitor)

        let request = "<message xmlns='jabber:client' to='quiet@conference.example.org'>\(voiceForm([("muc#role", "participant")]))</message>"
        let client = Client()
        try await send(request, from: victor, client: client)
        #expect(client.errors.isEmpty)
        let asked = moderatorMind.events.withLock { $0 }.contains {
            if case .room(_, .voiceRequested(let occupant)) = $0 { return occupant.nick.displayName == "Victor" }
            return false
        }
        #expect(asked)
        // The rendered approval form (§7.13.2).
        let renderer = MUCEventRenderer(rooms: service.rooms, codec: XMPPStanzaCodec())
        let occupant = try #require(await chat.room(room)?.snapshot.occupants[Nickname("Victor")!])
        let rendered = renderer.render(.voiceRequested(occupant), in: room, me: olivia.id, to: "olivia@example.org/r")
        let form = try DataForm(element: try #require(rendered.first?.firstChild(named: "x", namespace: XMPPNamespace.dataForms)))
        #expect(form.formType == MUCNamespace.request && form.value(of: "muc#roomnick") == "Victor")

        // A second request within the minute is refused; the moderator's approval grants voice.
        try await send(request, from: victor, client: client)
        #expect(client.errors == ["policy-violation"])
        let approval = "<message xmlns='jabber:client' to='quiet@conference.example.org'>\(voiceForm([("muc#role", "participant"), ("muc#roomnick", "Victor"), ("muc#request_allow", "true")]))</message>"
        try await send(approval, from: olivia, client: Client())
        #expect(await chat.room(room)?.snapshot.occupants[Nickname("Victor")!]?.role == .participant)
        await olivia.close()
        await victor.close()
    }
}
