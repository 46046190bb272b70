import ParleyXML
import Testing

@Suite("Parsing")
struct ParsingTests {
    @Test("the stream header event fires as soon as its '>' arrives, before any child")
    func headerAsSoonAsComplete() throws {
        let parser = XMLStreamParser()
        let header = streamHeader()
        var events = try parser.feed(header.dropLast().utf8)
        #expect(events.isEmpty)
        events = try parser.feed(">".utf8)
        #expect(events.count == 1)
        guard case .streamStart(let start)? = events.first else {
            Issue.record("expected streamStart, got \(events)")
            return
        }
        #expect(start.name == "stream")
        #expect(start.prefix == "stream")
        #expect(start.namespace == streamsNS)
        #expect(start.defaultNamespace == "jabber:client")
        #expect(
            start.namespaceDeclarations == [
                XMLNamespaceDeclaration(prefix: nil, uri: "jabber:client"),
                XMLNamespaceDeclaration(prefix: "stream", uri: streamsNS),
            ])
        #expect(start.attribute("to") == "example.com")
        #expect(start.attribute("version") == "1.0")
        #expect(start.attribute("lang", namespace: xmlNamespaceURI) == "en")
        #expect(start.attribute("lang") == nil)
    }

    @Test("one .element per top-level child, .streamEnd at </stream:stream>")
    func stanzasAndEnd() throws {
        let parser = XMLStreamParser()
        let input =
            streamHeader() + "<message id='1'><body>one</body></message> \n\t"
            + "<presence/><iq type='get' id='2'><query xmlns='jabber:iq:roster'/></iq></stream:stream>"
        let events = try parser.feed(input.utf8)
        #expect(events.count == 5)
        #expect(events.last == .streamEnd)
        let names = events.compactMap { if case .element(let e) = $0 { e.name } else { nil } }
        #expect(names == ["message", "presence", "iq"])
        guard case .element(let iq) = events[3] else { return }
        #expect(iq.namespace == "jabber:client")
        #expect(iq.children == [.element(XMLElement(name: "query", namespace: "jabber:iq:roster"))])
        // Whitespace between stanzas belongs to no tree.
        guard case .element(let presence) = events[2] else { return }
        #expect(presence == XMLElement(name: "presence", namespace: "jabber:client"))
    }

    @Test("a stanza is reported only when its end tag is complete")
    func elementWaitsForEndTag() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(streamHeader().utf8)
        #expect(try parser.feed("<message><body>hi</body></message".utf8).isEmpty)
        let events = try parser.feed(">".utf8)
        #expect(events.count == 1)
    }

    @Test("namespaces: inherited from the root, default, prefixed, redeclared, undeclared")
    func namespaces() throws {
        let parser = XMLStreamParser()
        let input =
            streamHeader()
            + "<message><body>a</body>"
            + "<x:event xmlns:x='http://jabber.org/protocol/pubsub#event'><x:items node='n'/></x:event>"
            + "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p/></body></html>"
            + "<c:body xmlns:c='jabber:client'>b</c:body>"
            + "<free xmlns=''><inner/></free>"
            + "</message>"
        let events = try parser.feed(input.utf8)
        guard case .element(let message)? = events.last else {
            Issue.record("no element in \(events)")
            return
        }
        let pubsub = "http://jabber.org/protocol/pubsub#event"
        let expected = XMLElement(
            name: "message", namespace: "jabber:client",
            children: [
                .element(XMLElement(name: "body", namespace: "jabber:client", children: [.text("a")])),
                .element(
                    XMLElement(
                        name: "event", namespace: pubsub,
                        children: [
                            .element(XMLElement(name: "items", namespace: pubsub, attributes: [XMLAttribute("node", value: "n")]))
                        ])),
                .element(
                    XMLElement(
                        name: "html", namespace: "http://jabber.org/protocol/xhtml-im",
                        children: [
                            .element(
                                XMLElement(
                                    name: "body", namespace: "http://www.w3.org/1999/xhtml",
                                    children: [.element(XMLElement(name: "p", namespace: "http://www.w3.org/1999/xhtml"))]))
                        ])),
                .element(XMLElement(name: "body", namespace: "jabber:client", children: [.text("b")])),
                .element(XMLElement(name: "free", namespace: "", children: [.element(XMLElement(name: "inner"))])),
            ])
        #expect(message == expected)
    }

    @Test("prefixes are not part of the tree: a:body and body in the same namespace are equal")
    func prefixesDoNotMatter() throws {
        let prefixed = try XMLStreamParser.parseDocument("<a:body xmlns:a='jabber:client' a:x='1'>hi</a:body>")
        let unprefixed = try XMLStreamParser.parseDocument("<body xmlns='jabber:client' xmlns:b='jabber:client' b:x='1'>hi</body>")
        #expect(prefixed == unprefixed)
        #expect(prefixed.attribute("x", namespace: "jabber:client") == "1")
        #expect(prefixed.attribute("x") == nil)
    }

    @Test("xml:lang is an attribute in the XML namespace; unprefixed attributes have none")
    func xmlLang() throws {
        let element = try XMLStreamParser.parseDocument(
            "<message xmlns='jabber:client' xml:lang='fr' type='chat'><body xml:lang='de'>Hallo</body></message>")
        #expect(
            element.attributes == [
                XMLAttribute("lang", namespace: xmlNamespaceURI, value: "fr"), XMLAttribute("type", value: "chat"),
            ])
        #expect(element.firstChild(named: "body")?.attribute("lang", namespace: xmlNamespaceURI) == "de")
    }

    @Test("attributes keep document order and have references replaced")
    func attributes() throws {
        let element = try XMLStreamParser.parseDocument(
            "<a z='1' y=\"two\" x='&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#38;' w='tab&#9;lf&#10;' v='a\tb\nc'/>")
        #expect(element.attributes.map(\.name) == ["z", "y", "x", "w", "v"])
        #expect(element.attribute("y") == "two")
        #expect(element.attribute("x") == "<>&'\"AB&")
        #expect(element.attribute("w") == "tab\tlf\n")
        // Attribute-value normalization turns literal whitespace characters into spaces.
        #expect(element.attribute("v") == "a b c")
    }

    @Test("text: character and entity references, CDATA, merged into one text node")
    func textAndReferences() throws {
        let element = try XMLStreamParser.parseDocument(
            "<body>&lt;&amp;&#65;&#x42;&gt;&apos;&quot; <![CDATA[<not markup> & ]]>tail</body>")
        #expect(element.children == [.text("<&AB>'\" <not markup> & tail")])
        #expect(element.text == "<&AB>'\" <not markup> & tail")
    }

    @Test("text keeps whitespace and mixed content order; CR LF becomes LF")
    func mixedContent() throws {
        let element = try XMLStreamParser.parseDocument("<p>one <b>two</b>\r\n three<br/></p>")
        #expect(
            element.children == [
                .text("one "), .element(XMLElement(name: "b", children: [.text("two")])), .text("\n three"),
                .element(XMLElement(name: "br")),
            ])
        #expect(element.text == "one \n three")
    }

    @Test("multi-byte UTF-8 in names, attributes and text")
    func unicode() throws {
        let element = try XMLStreamParser.parseDocument("<émoji nom='日本'>héllo 😀 日本</émoji>")
        #expect(element.name == "émoji")
        #expect(element.attribute("nom") == "日本")
        #expect(element.text == "héllo 😀 日本")
    }

    @Test("a UTF-8 byte-order mark and an XML declaration naming UTF-8 are accepted")
    func utf8Declarations() throws {
        let withBOM = try XMLStreamParser.parseDocument([0xEF, 0xBB, 0xBF] + Array("<a>x</a>"))
        #expect(withBOM == XMLElement(name: "a", children: [.text("x")]))
        let declared = try XMLStreamParser.parseDocument("<?xml version='1.0' encoding='utf-8'?><a>x</a>")
        #expect(declared == withBOM)
    }

    @Test("reset() starts a new stream after a restart, and after an error")
    func resetRestartsTheStream() throws {
        let parser = XMLStreamParser()
        var events = try parser.feed((streamHeader() + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>").utf8)
        #expect(events.count == 2)
        parser.reset()
        events = try parser.feed((streamHeader(to: "other.example") + "<message><body>again</body></message>").utf8)
        #expect(events.count == 2)
        guard case .streamStart(let header) = events[0], case .element(let message) = events[1] else {
            Issue.record("unexpected \(events)")
            return
        }
        #expect(header.attribute("to") == "other.example")
        #expect(message.namespace == "jabber:client")
        #expect(message.firstChild(named: "body")?.text == "again")

        // A dead parser throws the same error on every feed, until reset.
        #expect(throws: XMLStreamError.self) { try parser.feed("<a></b>".utf8) }
        let again = #expect(throws: XMLStreamError.self) { try parser.feed("<c/>".utf8) }
        #expect(again?.condition == .notWellFormed)
        parser.reset()
        #expect(try parser.feed(streamHeader().utf8).count == 1)
    }

    @Test("a stream header with no default namespace, and a self-closing root")
    func bareRoot() throws {
        let parser = XMLStreamParser()
        let events = try parser.feed("<root a='1'/>".utf8)
        #expect(
            events == [
                .streamStart(XMLStreamHeader(name: "root", namespace: "", attributes: [XMLAttribute("a", value: "1")])),
                .streamEnd,
            ])
    }

    @Test("document mode: parseDocument returns the root; finish() refuses a truncated document")
    func documentMode() throws {
        let element = try XMLStreamParser.parseDocument("<?xml version='1.0'?>\n<config xmlns='urn:x'><item k='v'/></config>\n")
        #expect(element.name == "config")
        #expect(element.firstChild(named: "item", namespace: "urn:x")?.attribute("k") == "v")
        let truncated = #expect(throws: XMLStreamError.self) { try XMLStreamParser.parseDocument("<config><item/>") }
        #expect(truncated?.condition == .notWellFormed)
        let empty = #expect(throws: XMLStreamError.self) { try XMLStreamParser.parseDocument("") }
        #expect(empty?.condition == .notWellFormed)
        let twoRoots = #expect(throws: XMLStreamError.self) { try XMLStreamParser.parseDocument("<a/><b/>") }
        #expect(twoRoots?.condition == .notWellFormed)
        let cut = #expect(throws: XMLStreamError.self) { try XMLStreamParser.parseDocument([0x3C, 0x61, 0x3E, 0xC3]) }
        #expect(cut?.condition == .invalidUTF8)
    }

    @Test("events completed before an error are delivered with feed(_:into:)")
    func eventsBeforeError() {
        let parser = XMLStreamParser()
        var events: [XMLStreamEvent] = []
        let input = streamHeader() + "<message/><presence></iq>"
        let error = #expect(throws: XMLStreamError.self) { try parser.feed(input.utf8, into: &events) }
        #expect(error?.condition == .notWellFormed)
        #expect(error?.streamErrorCondition == "not-well-formed")
        #expect(events.count == 2)
    }

    @Test("XMLElement accessors")
    func elementAccessors() {
        var element = XMLElement(
            name: "message", namespace: "jabber:client",
            children: [
                .element(XMLElement(name: "body", namespace: "jabber:client", children: [.text("hi")])),
                .element(XMLElement(name: "body", namespace: "urn:other", children: [.text("other")])),
            ])
        element[attribute: "to"] = "bob@example.com"
        element.setAttribute("lang", namespace: xmlNamespaceURI, to: "en")
        element[attribute: "type"] = "chat"
        element[attribute: "to"] = "carol@example.com"
        #expect(element.attributes.map(\.name) == ["to", "lang", "type"])
        #expect(element[attribute: "to"] == "carol@example.com")
        element[attribute: "type"] = nil
        #expect(element.attribute("type") == nil)
        #expect(element.firstChild(named: "body", namespace: "urn:other")?.text == "other")
        #expect(element.firstChild(named: "body")?.text == "hi")
        #expect(element.firstChild(named: "subject") == nil)
        #expect(element.elements.count == 2)
        element.append(text: "a")
        element.append(text: "b")
        #expect(element.children.last == .text("ab"))
        #expect(element.text == "ab")
    }
}
