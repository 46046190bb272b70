import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing

@Suite("XEP-0114 stanzas ⇄ component traffic")
struct ComponentStanzaCodecTests {
    let codec = ComponentStanzaCodec()
    let alice = SessionID(user: UserID(localpart: "alice", domain: "example.com"), resource: "phone")
    let echo = UserID(localpart: "", domain: "echo.example.com")

    func stanza(_ text: String) throws -> XMLElement {
        try XMLStreamParser.parseDocument(text)
    }

    func traffic(_ text: String) throws -> ComponentTraffic? {
        try codec.traffic(from: stanza(text))
    }

    @Test func aMessageKeepsItsAddressesBodyAndUnknownChildren() throws {
        let parsed = try traffic(
            """
            <message xmlns='jabber:component:accept' from='alice@example.com/phone' to='echo.example.com' type='chat' id='m1'>\
            <body>hi</body><x xmlns='urn:example:unknown' a='1'>kept</x></message>
            """)
        guard case .message(let message)? = parsed else {
            Issue.record("not a message: \(String(describing: parsed))")
            return
        }
        #expect(message.from == .session(alice))
        #expect(message.to == .user(echo))
        #expect(message.kind == .chat && message.id == "m1" && message.body == "hi")
        #expect(message.payloads.count == 1)
        // And back: the unknown child travels unchanged, addresses are explicit.
        let element = try #require(codec.element(for: .message(message)))
        #expect(element.namespace == XMPPNamespace.component)
        #expect(element[attribute: "from"] == "alice@example.com/phone")
        #expect(element[attribute: "to"] == "echo.example.com")
        #expect(element.elements.contains { $0.name == "x" && $0.namespace == "urn:example:unknown" && $0.text == "kept" })
    }

    @Test func presenceSubscriptionsAndProbes() throws {
        #expect(
            try traffic("<presence xmlns='jabber:component:accept' from='alice@example.com/phone' to='echo.example.com'><show>away</show></presence>")
                == .presence(Presence(.away), from: alice, to: .user(echo)))
        #expect(
            try traffic("<presence xmlns='jabber:component:accept' from='echo.example.com' to='alice@example.com' type='unavailable'/>")
                == .presence(.unavailable, from: SessionID(user: echo, resource: ""), to: .user(alice.user)))
        #expect(
            try traffic("<presence xmlns='jabber:component:accept' from='echo.example.com' to='alice@example.com' type='subscribe'/>")
                == .subscription(.subscribe, from: echo, to: alice.user))
        #expect(
            try traffic("<presence xmlns='jabber:component:accept' from='alice@example.com/phone' to='echo.example.com' type='probe'/>")
                == .probe(from: alice.user, to: echo))
        // A refusal (a room refusing an entry) is relayed with its error, and writes back as one.
        let refusal = try traffic(
            "<presence xmlns='jabber:component:accept' from='dev@rooms.example.com/Al' to='alice@example.com/phone' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>")
        guard case .presence(let presence, _, _)? = refusal else {
            Issue.record("a presence error was not relayed")
            return
        }
        #expect(presence.isError && presence.payloads.count == 1)
        let relayed = try #require(refusal)
        let written = try #require(codec.element(for: relayed))
        #expect(written[attribute: "type"] == "error")
        #expect(StanzaError(from: written)?.condition == .conflict)
        // Each writes back to the same stanza type.
        for sample: ComponentTraffic in [
            .presence(Presence(.dnd, status: "busy"), from: alice, to: .user(echo)),
            .subscription(.unsubscribed, from: echo, to: alice.user),
            .probe(from: echo, to: alice.user),
        ] {
            let element = try #require(codec.element(for: sample))
            #expect(try codec.traffic(from: element) == sample)
        }
    }

    @Test func anIQBecomesAQueryToOneSessionAndBack() throws {
        let parsed = try traffic(
            "<iq xmlns='jabber:component:accept' from='alice@example.com/phone' to='echo.example.com' type='get' id='q1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        )
        guard case .query(let query)? = parsed else {
            Issue.record("not a query")
            return
        }
        #expect(query.to == SessionID(user: echo, resource: ""))
        #expect(query.from == .session(alice))
        #expect(query.kind == .get && query.id == "q1" && query.payloads.count == 1)
        let element = try #require(codec.element(for: .query(query)))
        #expect(element[attribute: "to"] == "echo.example.com")  // a bare JID, not "echo.example.com/"
        #expect(try codec.traffic(from: element) == .query(query))
    }

    @Test func badAddressingAndUnknownStanzasAreRefused() throws {
        #expect(throws: ComponentStanzaError.self) { try traffic("<message xmlns='jabber:component:accept' to='a@b'/>") }
        #expect(
            try refusal("<message xmlns='jabber:component:accept' from='echo.example.com'/>")
                == .stream(StreamError(.improperAddressing, text: "component stanzas need both 'from' and 'to'")))
        #expect(try refusal("<message xmlns='jabber:component:accept' from='@@' to='a@b'/>") == .stanza(StanzaError(.jidMalformed)))
        guard case .stanza(let noChild)? = try refusal("<iq xmlns='jabber:component:accept' from='a@b' to='c' type='get' id='1'/>")
        else {
            Issue.record("a get without a child was accepted")
            return
        }
        #expect(noChild.condition == .badRequest)
        guard case .stream(let unknown)? = try refusal("<db:result xmlns:db='jabber:server:dialback' from='a' to='b'/>") else {
            Issue.record("an unknown stanza was accepted")
            return
        }
        #expect(unknown.condition == .unsupportedStanzaType)
    }

    /// The error the codec refuses `text` with; nil when it accepts it.
    func refusal(_ text: String) throws -> ComponentStanzaError? {
        let element = try stanza(text)
        do {
            _ = try codec.traffic(from: element)
            return nil
        } catch {
            return error
        }
    }

    @Test func roomAddressesHaveNoComponentStanza() {
        let message = Message(from: .room(RoomID("dev")!), to: .user(echo), body: "x")
        #expect(codec.element(for: .message(message)) == nil)
    }
}
