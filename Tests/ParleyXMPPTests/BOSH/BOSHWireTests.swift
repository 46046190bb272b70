import ParleyXML
import Testing

@testable import ParleyXMPP

/// BOSH's `<body/>` wrapper both ways: what a client's request decodes to (XEP-0124 §6,
/// §7.1; XEP-0206 §3, §5), and what the server's responses look like once parsed (§7.2,
/// §17.2; XEP-0206 §4, §6).
@Suite struct BOSHWireTests {
    private func decode(_ text: String) -> Result<BOSHRequest, BOSHCondition> {
        BOSHRequest.decode(Array(text.utf8), limits: .default)
    }

    @Test func aSessionCreationRequestGivesItsAttributesAndAStreamHeader() throws {
        let request = try decode(
            "<body content='text/xml; charset=utf-8' hold='1' rid='1573741820' to='example.test' wait='60' "
                + "xml:lang='en' ver='1.6' xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' "
                + "xmlns:xmpp='urn:xmpp:xbosh'/>"
        ).get()
        #expect(request.rid == 1_573_741_820)
        #expect(request.sid == nil)
        #expect(request.to == "example.test")
        #expect(request.wait == 60)
        #expect(request.hold == 1)
        #expect(request.version == "1.6")
        #expect(request.xmppVersion == "1.0")
        #expect(request.content == .payload([]))
        let header = request.streamHeader
        #expect(StreamHeaderCheck.error(in: header, domain: "example.test", framing: .bosh) == nil)
        #expect(StreamHeaderCheck.error(in: header, domain: "other.test", framing: .bosh)?.condition == .hostUnknown)
        #expect(StreamHeaderCheck.error(in: header, domain: "example.test", framing: .webSocket)?.condition == .invalidNamespace)
    }

    @Test func unqualifiedStanzasAreReadAsJabberClient() throws {
        // COMPAT: XEP-0206 §2's note: stanzas that inherit the httpbind namespace.
        let request = try decode(
            "<body rid='5' sid='abc' xmlns='http://jabber.org/protocol/httpbind'>"
                + "<message to='bob@example.test'><body>hi</body></message>"
                + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth></body>"
        ).get()
        guard case .payload(let elements) = request.content else {
            Issue.record("not a payload: \(request.content)")
            return
        }
        #expect(elements.map(\.namespace) == [XMPPNamespace.client, XMPPNamespace.sasl])
        #expect(elements[0].firstChild(named: "body", namespace: XMPPNamespace.client)?.text == "hi")
        #expect(request.sid == "abc")
    }

    @Test func restartAndTerminateAreRead() throws {
        let restart = try decode(
            "<body rid='6' sid='abc' xmpp:restart='true' xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'/>"
        ).get()
        #expect(restart.content == .restart)
        let terminate = try decode(
            "<body rid='7' sid='abc' type='terminate' xmlns='http://jabber.org/protocol/httpbind'>"
                + "<presence type='unavailable' xmlns='jabber:client'/></body>"
        ).get()
        guard case .terminate(let elements) = terminate.content else {
            Issue.record("not a terminate: \(terminate.content)")
            return
        }
        #expect(elements.map(\.name) == ["presence"])
    }

    @Test func malformedRequestsAreBadRequests() {
        let refused = [
            "<body rid='1' xmlns='http://jabber.org/protocol/httpbind'>",  // not well-formed
            "<open rid='1' xmlns='http://jabber.org/protocol/httpbind'/>",  // not a body
            "<body rid='1'/>",  // not in the httpbind namespace
            "<body xmlns='http://jabber.org/protocol/httpbind'/>",  // no rid
            "<body rid='-4' xmlns='http://jabber.org/protocol/httpbind'/>",
            "<body rid='9007199254740993' xmlns='http://jabber.org/protocol/httpbind'/>",  // §14.1: beyond 2^53
            // XEP-0206 §5: a restart carries nothing.
            "<body rid='2' sid='a' xmpp:restart='true' xmlns='http://jabber.org/protocol/httpbind' "
                + "xmlns:xmpp='urn:xmpp:xbosh'><message xmlns='jabber:client'/></body>",
            // No DTD, no entities (the project's parser).
            "<!DOCTYPE body [<!ENTITY x 'y'>]><body rid='1' xmlns='http://jabber.org/protocol/httpbind'>&x;</body>",
        ]
        for text in refused {
            #expect(decode(text) == .failure(.badRequest), "\(text)")
        }
    }

    @Test func theCreationResponseCarriesTheSessionAndXMPPAttributes() throws {
        var creation = BOSHRequest(rid: 1)
        creation.wait = 60
        let parameters = BOSHParameters(sid: "s'1", request: creation, maximumWait: 45, inactivity: 60, polling: 2, domain: "example.test")
        let features = Array("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>".utf8)
        let bytes = BOSHBodyWriter.bytes(BOSHResponse(payload: features, creation: true), parameters: parameters, streamID: "id-1")
        let body = try XMLStreamParser.parseDocument(bytes)
        #expect(body.name == "body")
        #expect(body.namespace == XMPPNamespace.httpBind)
        #expect(body.attribute("sid") == "s'1")
        #expect(body.attribute("wait") == "45")
        #expect(body.attribute("hold") == "1")
        #expect(body.attribute("requests") == "2")
        #expect(body.attribute("inactivity") == "60")
        #expect(body.attribute("polling") == "2")
        #expect(body.attribute("ver") == "1.11")
        #expect(body.attribute("from") == "example.test")
        #expect(body.attribute("authid") == "id-1")
        #expect(body.attribute("version", namespace: XMPPNamespace.xbosh) == "1.0")
        #expect(body.attribute("restartlogic", namespace: XMPPNamespace.xbosh) == "true")
        #expect(body.attribute("type") == nil)
        #expect(body.elements.first?.name == "features")
        #expect(body.elements.first?.namespace == XMPPNamespace.streams)
    }

    @Test func aTerminalConditionIsATerminateBody() throws {
        let bytes = BOSHBodyWriter.bytes(.terminate(.itemNotFound), parameters: nil, streamID: nil)
        let body = try XMLStreamParser.parseDocument(bytes)
        #expect(body.attribute("type") == "terminate")
        #expect(body.attribute("condition") == "item-not-found")
        #expect(body.attribute("sid") == nil)
        #expect(body.elements.isEmpty)
    }
}
