import ParleyXML
import Testing

@Suite("Serializer")
struct SerializerTests {
    static let message = XMLElement(
        name: "message", namespace: "jabber:client",
        attributes: [
            XMLAttribute("to", value: "bob@example.com/phone"), XMLAttribute("type", value: "chat"),
            XMLAttribute("lang", namespace: xmlNamespaceURI, value: "en"),
        ],
        children: [.element(XMLElement(name: "body", namespace: "jabber:client", children: [.text("Hi <you> & 'me' \"us\"")]))])

    @Test("a stanza in its stream's namespace is written without xmlns")
    func inheritedNamespace() {
        var buffer: [UInt8] = []
        Self.message.serialize(into: &buffer, inheritedNamespace: "jabber:client")
        #expect(
            String(decoding: buffer, as: UTF8.self)
                == "<message to='bob@example.com/phone' type='chat' xml:lang='en'><body>Hi &lt;you&gt; &amp; 'me' \"us\"</body></message>"
        )
        // serialize(into:) appends.
        Self.message.serialize(into: &buffer, inheritedNamespace: "jabber:client")
        #expect(buffer.count == 2 * Self.message.serialized(inheritedNamespace: "jabber:client").count)
    }

    @Test("standalone, the root declares its namespace once")
    func standalone() {
        #expect(
            Self.message.xmlString
                == "<message xmlns='jabber:client' to='bob@example.com/phone' type='chat' xml:lang='en'><body>Hi &lt;you&gt; &amp; 'me' \"us\"</body></message>"
        )
    }

    @Test("attribute values escape quotes, markup and whitespace that normalization would eat")
    func attributeEscaping() {
        let element = XMLElement(name: "a", attributes: [XMLAttribute("v", value: "<>&'\"\t\n\r end")])
        #expect(element.xmlString == "<a v='&lt;&gt;&amp;&apos;&quot;&#9;&#10;&#13; end'/>")
    }

    @Test("text escapes <, >, & and CR; keeps TAB, LF and quotes; replaces non-XML characters")
    func textEscaping() {
        let element = XMLElement(name: "t", children: [.text("a<b>c&d\te\nf\rg'h\"i\u{1}j\u{FFFE}k\u{FFFF}l\u{1B}m日\u{FE0F}")])
        #expect(element.xmlString == "<t>a&lt;b&gt;c&amp;d\te\nf&#13;g'h\"i\u{FFFD}j\u{FFFD}k\u{FFFD}l\u{FFFD}m日\u{FE0F}</t>")
    }

    @Test("xmlns only where the namespace changes, xmlns='' to leave one")
    func namespaceDeclarations() {
        let element = XMLElement(
            name: "message", namespace: "jabber:client",
            children: [
                .element(
                    XMLElement(
                        name: "event", namespace: "urn:e",
                        children: [
                            .element(XMLElement(name: "items", namespace: "urn:e")),
                            .element(XMLElement(name: "body", namespace: "jabber:client")),
                        ])),
                .element(XMLElement(name: "plain", namespace: "")),
                .element(XMLElement(name: "body", namespace: "jabber:client")),
            ])
        #expect(
            element.serialized(inheritedNamespace: "jabber:client")
                == Array(
                    "<message><event xmlns='urn:e'><items/><body xmlns='jabber:client'/></event><plain xmlns=''/><body/></message>"
                ))
    }

    @Test("namespaced attributes get declared prefixes, reused below, never for xml:")
    func attributePrefixes() throws {
        let element = XMLElement(
            name: "r",
            attributes: [XMLAttribute("a", namespace: "urn:q", value: "1"), XMLAttribute("lang", namespace: xmlNamespaceURI, value: "en")],
            children: [
                .element(
                    XMLElement(
                        name: "s",
                        attributes: [XMLAttribute("b", namespace: "urn:q", value: "2"), XMLAttribute("c", namespace: "urn:z", value: "3")])),
                .element(XMLElement(name: "t", attributes: [XMLAttribute("d", namespace: "urn:z", value: "4")])),
            ])
        let written = element.xmlString
        #expect(
            written
                == "<r xmlns:ns0='urn:q' ns0:a='1' xml:lang='en'><s ns0:b='2' xmlns:ns1='urn:z' ns1:c='3'/><t xmlns:ns1='urn:z' ns1:d='4'/></r>"
        )
        #expect(try XMLStreamParser.parseDocument(written) == element)
    }

    @Test("stream header and footer")
    func streamHeaderAndFooter() throws {
        let header = XMLStreamHeader(
            name: "stream", namespace: streamsNS, prefix: "stream",
            attributes: [
                XMLAttribute("from", value: "example.com"), XMLAttribute("id", value: "++TR84Sm6A3hnt3Q065SnAbbk3Y="),
                XMLAttribute("version", value: "1.0"), XMLAttribute("lang", namespace: xmlNamespaceURI, value: "en"),
            ],
            namespaceDeclarations: [XMLNamespaceDeclaration(prefix: nil, uri: "jabber:client")])
        var buffer: [UInt8] = []
        XMLSerializer.writeStreamHeader(header, into: &buffer)
        let expected =
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
            + " from='example.com' id='++TR84Sm6A3hnt3Q065SnAbbk3Y=' version='1.0' xml:lang='en'>"
        #expect(String(decoding: buffer, as: UTF8.self) == expected)
        Self.message.serialize(into: &buffer, inheritedNamespace: header.defaultNamespace ?? "")
        XMLSerializer.writeStreamFooter(header, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self).hasSuffix("</message></stream:stream>"))

        // What was written parses back to the same header and stanza.
        let events = try XMLStreamParser().feed(buffer)
        var reparsed = header
        reparsed.namespaceDeclarations.append(XMLNamespaceDeclaration(prefix: "stream", uri: streamsNS))
        #expect(events == [.streamStart(reparsed), .element(Self.message), .streamEnd])
    }

    @Test("header attributes use the header's own prefixes, however long")
    func headerPrefixes() throws {
        let long = String(repeating: "p", count: 100)
        let header = XMLStreamHeader(
            name: "stream", namespace: streamsNS, prefix: "stream",
            attributes: [XMLAttribute("key", namespace: "urn:long", value: "v"), XMLAttribute("other", namespace: "urn:other", value: "w")],
            namespaceDeclarations: [
                XMLNamespaceDeclaration(prefix: long, uri: "urn:long"), XMLNamespaceDeclaration(prefix: "ns3", uri: "urn:ns3"),
            ])
        var buffer: [UInt8] = []
        XMLSerializer.writeStreamHeader(header, into: &buffer, xmlDeclaration: false)
        let written = String(decoding: buffer, as: UTF8.self)
        #expect(written.contains(" \(long):key='v'"))
        // Generated prefixes avoid the declared ones (here `ns3`, which would be next).
        #expect(written.contains(" xmlns:ns4='urn:other' ns4:other='w'"))
        guard case .streamStart(let parsed)? = try XMLStreamParser().feed(buffer).first else {
            Issue.record("no header from \(written)")
            return
        }
        #expect(parsed.attributes == header.attributes)
    }

    @Test("a parsed stream header written back parses to the same header")
    func headerRoundTrip() throws {
        let parser = XMLStreamParser()
        guard case .streamStart(let header)? = try parser.feed(streamHeader(extra: " xmlns:db='jabber:server:dialback'").utf8).first
        else {
            Issue.record("no header")
            return
        }
        var buffer: [UInt8] = []
        XMLSerializer.writeStreamHeader(header, into: &buffer, xmlDeclaration: false)
        #expect(buffer.first == UInt8(ascii: "<") && buffer[1] == UInt8(ascii: "s"))
        let again = try XMLStreamParser().feed(buffer)
        #expect(again == [.streamStart(header)])
    }
}
