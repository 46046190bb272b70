import ParleyXML
import ParleyXMPP
import Testing

@Suite("XEP-0030 service discovery")
struct DiscoTests {
    @Test("disco#info: identities, features and an extension form survive a round trip through bytes")
    func infoRoundTrip() throws {
        let info = DiscoInfo(
            node: "http://parley.example/caps#1",
            identities: [
                .init(category: "server", type: "im", name: "Parley"),
                .init(category: "client", type: "pc", name: "Parleur", language: "fr"),
            ],
            features: [XMPPNamespace.discoInfo, XMPPNamespace.version],
            extensions: [
                DataForm(
                    type: .result, formType: "urn:xmpp:serverinfo:0",
                    fields: [DataFormField(variable: "abuse-addresses", values: ["mailto:abuse@example.com"])])
            ])
        let element = info.element
        #expect(element.namespace == "http://jabber.org/protocol/disco#info")
        #expect(element.elements.filter { $0.name == "feature" }.compactMap { $0[attribute: "var"] } == info.features)
        let reparsed = try DiscoInfo(element: XMLStreamParser.parseDocument(element.serialized()))
        #expect(reparsed == info)
        #expect(reparsed.supports(XMPPNamespace.version))
        #expect(!reparsed.supports(XMPPNamespace.ping))
    }

    @Test("disco#info from a literal result")
    func infoLiteral() throws {
        let info = try DiscoInfo(
            element: payloadXML(
                """
                <query xmlns='http://jabber.org/protocol/disco#info'>
                  <identity category='conference' type='text' name='Play-Specific Chatrooms'/>
                  <feature var='http://jabber.org/protocol/muc'/>
                  <unknown xmlns='urn:example'/>
                </query>
                """))
        #expect(info.node == nil)
        #expect(info.identities == [.init(category: "conference", type: "text", name: "Play-Specific Chatrooms")])
        #expect(info.features == ["http://jabber.org/protocol/muc"])
    }

    @Test("a request is an empty query, with the node when given")
    func requests() throws {
        #expect(DiscoInfo.request().children.isEmpty && DiscoInfo.request().attributes.isEmpty)
        #expect(DiscoInfo.request(node: "n")[attribute: "node"] == "n")
        #expect(try DiscoInfo(element: DiscoInfo.request(node: "n")) == DiscoInfo(node: "n"))
        #expect(DiscoItems.request().namespace == XMPPNamespace.discoItems)
    }

    @Test(
        "disco#info errors",
        arguments: [
            "<query xmlns='http://jabber.org/protocol/disco#info'><identity type='im'/></query>",
            "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='server'/></query>",
            "<query xmlns='http://jabber.org/protocol/disco#info'><feature/></query>",
            "<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data'/></query>",
            "<query xmlns='http://jabber.org/protocol/disco#items'/>",
        ])
    func infoErrors(_ xml: String) throws {
        let element = try payloadXML(xml)
        #expect(caughtStanzaError { _ = try DiscoInfo(element: element) }?.condition == .badRequest)
    }

    @Test("disco#items round trip and errors")
    func items() throws {
        let items = DiscoItems(
            node: "rooms",
            items: [
                .init(jid: try #require(JID("conference.example.com")), name: "Chatrooms"),
                .init(jid: try #require(JID("pubsub.example.com")), node: "news", name: nil),
            ])
        let reparsed = try DiscoItems(element: XMLStreamParser.parseDocument(items.element.serialized()))
        #expect(reparsed == items)
        #expect(items.element.elements[1].attributes.map(\.name) == ["jid", "node"])
        let noJID = try payloadXML("<query xmlns='http://jabber.org/protocol/disco#items'><item name='x'/></query>")
        #expect(caughtStanzaError { _ = try DiscoItems(element: noJID) }?.condition == .badRequest)
        let badJID = try payloadXML("<query xmlns='http://jabber.org/protocol/disco#items'><item jid='a@'/></query>")
        #expect(caughtStanzaError { _ = try DiscoItems(element: badJID) }?.condition == .jidMalformed)
    }
}
