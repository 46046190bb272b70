import ParleyXML
import Testing

@testable import ParleyXMPP

/// RFC 7395's message framing without sockets: what one text message decodes to, and how
/// an element written for a TCP stream is made to stand alone in a message.
@Suite struct WebSocketFramingTests {
    let decoder = WebSocketFrameDecoder()

    private func decode(_ text: String) -> Result<XMLStreamEvent, StreamError> { decoder.decode(Array(text.utf8)) }

    @Test func openBecomesAHeaderTheNegotiationAccepts() throws {
        let event = try decode(
            "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.test' version='1.0'/>"
        ).get()
        guard case .streamStart(let header) = event else {
            Issue.record("not a header: \(event)")
            return
        }
        #expect(header.name == "open")
        #expect(header.namespace == XMPPNamespace.framing)
        #expect(header.attribute("to") == "example.test")
        #expect(StreamHeaderCheck.error(in: header, domain: "example.test", framing: .webSocket) == nil)
        // A TCP stream's root is refused over WebSocket.
        #expect(StreamHeaderCheck.error(in: header, domain: "example.test", framing: .tcp)?.condition == .invalidNamespace)
    }

    @Test func closeEndsTheStream() throws {
        #expect(try decode("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>").get() == .streamEnd)
    }

    @Test func aStanzaIsOneElement() throws {
        let event = try decode("<message xmlns='jabber:client' to='bob@example.test'><body>hi &amp; bye</body></message>").get()
        guard case .element(let element) = event else {
            Issue.record("not an element: \(event)")
            return
        }
        #expect(element.name == "message")
        #expect(element.namespace == XMPPNamespace.client)
        #expect(element.firstChild(named: "body", namespace: XMPPNamespace.client)?.text == "hi & bye")
    }

    @Test(arguments: [
        "<message xmlns='jabber:client'/><message xmlns='jabber:client'/>",  // two stanzas
        "<message xmlns='jabber:client'><body>half",  // half of one
        "not xml at all",
        "",
    ])
    func aMessageThatIsNotOneElementIsNotWellFormed(_ text: String) {
        guard case .failure(let error) = decode(text) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(error.condition == .notWellFormed)
    }

    @Test func entitiesAndDTDsAreRefused() {
        let text = "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><message xmlns='jabber:client'><body>&a;</body></message>"
        guard case .failure(let error) = decode(text) else {
            Issue.record("accepted a DTD")
            return
        }
        #expect(error.condition == .restrictedXML)
    }

    @Test func aMessageOverTheStanzaLimitIsAPolicyViolation() {
        var limits = XMLLimits.default
        limits.maxStanzaBytes = 1024
        let body = String(repeating: "x", count: 2048)
        let result = WebSocketFrameDecoder(limits: limits).decode(
            Array("<message xmlns='jabber:client'><body>\(body)</body></message>".utf8))
        guard case .failure(let error) = result else {
            Issue.record("accepted an oversized message")
            return
        }
        #expect(error.condition == .policyViolation)
    }

    @Test func unknownFramingElementsAreRefused() {
        guard case .failure(let error) = decode("<reopen xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>") else {
            Issue.record("accepted")
            return
        }
        #expect(error.condition == .unsupportedStanzaType)
    }

    private func standalone(_ text: String) -> String {
        String(decoding: WebSocketFrameEncoder.standalone(Array(text.utf8)), as: UTF8.self)
    }

    @Test func stanzasGetTheirNamespace() throws {
        #expect(standalone("<message to='a@b'><body>x</body></message>") == "<message xmlns='jabber:client' to='a@b'><body>x</body></message>")
        #expect(standalone("<presence/>") == "<presence xmlns='jabber:client'/>")
        #expect(standalone("<iq>") == "<iq xmlns='jabber:client'>")
        // Each result parses alone, in jabber:client.
        let parsed = try XMLStreamParser.parseDocument(standalone("<message id='1'><body>x</body></message>"))
        #expect(parsed.namespace == XMPPNamespace.client)
    }

    @Test func elementsWithTheirOwnNamespaceAreLeftAlone() {
        let success = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
        #expect(standalone(success) == success)
        let open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='x' id='1' version='1.0'/>"
        #expect(standalone(open) == open)
        // A quoted value that looks like a declaration does not count.
        #expect(
            standalone("<message id=' xmlns=&apos;x&apos;'/>")
                == "<message xmlns='jabber:client' id=' xmlns=&apos;x&apos;'/>")
    }

    @Test func streamPrefixedElementsDeclareThePrefix() throws {
        let features = standalone("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>")
        #expect(features.hasPrefix("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"))
        let parsed = try XMLStreamParser.parseDocument(features)
        #expect(parsed.namespace == XMPPNamespace.streams)
        let error = try XMLStreamParser.parseDocument(
            standalone("<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"))
        #expect(error.name == "error")
        #expect(error.namespace == XMPPNamespace.streams)
    }
}
