import ParleyCore
import ParleyXML
import Testing

@testable import ParleyXMPP

/// The stanza's own children cross a component link in the right namespace: the model
/// holds them in `jabber:client`, a component stream in `jabber:component:accept`.
@Suite struct ComponentStanzaNamespaceTests {
    let codec = ComponentStanzaCodec()
    static let stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"

    func elements(_ payloads: [ExtensionPayload]) -> [XMLElement] {
        payloads.compactMap { $0.native?.value as? XMLElement }
    }

    @Test func anErrorFromAComponentReachesTheModelInTheClientNamespace() throws {
        let stanza = try XMLStreamParser.parseDocument(
            "<iq xmlns='jabber:component:accept' type='error' id='q1' from='echo.localhost' to='alice@localhost/r'>"
                + "<ping xmlns='urn:xmpp:ping'/><error type='cancel'><service-unavailable xmlns='\(Self.stanzas)'/>"
                + "</error></iq>")
        guard case .query(let query)? = try codec.traffic(from: stanza) else {
            Issue.record("not a query")
            return
        }
        let payloads = elements(query.payloads)
        #expect(payloads.map(\.namespace) == ["urn:xmpp:ping", XMPPNamespace.client])
        #expect(payloads.last?.elements.first?.namespace == Self.stanzas)
        #expect(query.payloads.last?.native?.key == "{jabber:client}error")
        // Written to a client, the error inherits the stream's namespace: no xmlns at all.
        let written = String(
            decoding: XMLElement(name: "iq", namespace: XMPPNamespace.client, children: payloads.map { .element($0) })
                .serialized(inheritedNamespace: XMPPNamespace.client), as: UTF8.self)
        #expect(written.contains("<error type='cancel'><service-unavailable"), "\(written)")
    }

    @Test func aClientsErrorReachesAComponentInTheComponentNamespace() throws {
        var error = XMLElement(name: "error", namespace: XMPPNamespace.client, attributes: [XMLAttribute("type", value: "cancel")])
        error.append(XMLElement(name: "item-not-found", namespace: Self.stanzas))
        var forwarded = XMLElement(name: "forwarded", namespace: "urn:xmpp:forward:0")
        forwarded.append(XMLElement(name: "message", namespace: XMPPNamespace.client))
        let sender = SessionID(user: UserID(localpart: "alice", domain: "localhost"), resource: "r")
        let message = Message(
            kind: .error, from: .session(sender), to: .user(UserID(localpart: "", domain: "echo.localhost")),
            payloads: codec.stanzas.extensions.payloads(from: [error, forwarded]))
        let element = try #require(codec.element(for: .message(message)))
        #expect(element.namespace == XMPPNamespace.component)
        #expect(element.elements.map(\.namespace) == [XMPPNamespace.component, "urn:xmpp:forward:0"])
        #expect(element.elements.first?.elements.first?.namespace == Self.stanzas)
        #expect(element.elements.last?.elements.first?.namespace == XMPPNamespace.client, "a forwarded message stays as it is")
        let written = String(decoding: element.serialized(inheritedNamespace: XMPPNamespace.component), as: UTF8.self)
        #expect(!written.contains("xmlns='jabber:client'><item"), "\(written)")
        #expect(written.contains("<error type='cancel'>"), "\(written)")
    }

    @Test func stanzasWithoutStreamNamespacePayloadsAreUntouched() throws {
        let stanza = try XMLStreamParser.parseDocument(
            "<message xmlns='jabber:component:accept' type='chat' from='alice@localhost/r' to='echo.localhost'>"
                + "<body>hi</body><x xmlns='urn:example'><y/></x></message>")
        guard case .message(let message)? = try codec.traffic(from: stanza) else {
            Issue.record("not a message")
            return
        }
        #expect(message.body == "hi")
        #expect(elements(message.payloads).map(\.namespace) == ["urn:example"])
        #expect(elements(message.payloads).first?.elements.first?.namespace == "urn:example")
    }
}
