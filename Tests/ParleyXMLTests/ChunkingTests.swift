import ParleyXML
import Testing

/// The chunking verifier: the same bytes cut in any way give the same events (and the
/// same error, for input that has one).
@Suite("Chunking")
struct ChunkingTests {
    /// A realistic client stream: header, stanzas of varied shapes, multi-byte UTF-8,
    /// attributes with references, CDATA, whitespace keepalives, the closing tag.
    static let stream: [UInt8] = Array(
        streamHeader()
            + "<message to='bob@example.com/phone' from='alice@example.com/laptop' type='chat' id='m1'>"
            + "<body>Hello there, how are you today?</body></message>\n "
            + "<message to='bob@example.com' type='chat' id='m&amp;2' xml:lang='fr' subject='a>b'>"
            + "<body>héllo 😀 日本 &lt;tag&gt; &amp; &#x263A; &#233; 1 > 0</body>"
            + "<active xmlns='http://jabber.org/protocol/chatstates'/>"
            + "<thread parent='e0ffe42b'>th&#38;read</thread></message>"
            + "<presence><show>away</show><status xml:lang='en'>Out &apos;to&apos; lunch &quot;now&quot;</status>"
            + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://example.org' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>"
            + "</presence>  "
            + "<iq type='result' id='roster_1'><q:query xmlns:q='jabber:iq:roster' ver='v1'>"
            + "<q:item jid='romeo@example.net' name='Romeo 💘' subscription='both'><q:group>Friends</q:group></q:item>"
            + "<q:item jid='mercutio@example.com' name='M&amp;M'/></q:query></iq>"
            + "<message id='cdata'><body><![CDATA[<b>bold</b> & ]]]]><![CDATA[> 日本]]></body></message>"
            + "<message id='mixed'><html xmlns='http://jabber.org/protocol/xhtml-im'>"
            + "<body xmlns='http://www.w3.org/1999/xhtml'><p>One <em>two</em>\nthree</p></body></html></message>"
            + "</stream:stream>")

    @Test("byte by byte, in bulk and in random splits give the same events")
    func streamIsChunkingInvariant() {
        let (bulk, differences) = chunkingDifferences(Self.stream, iterations: 300)
        #expect(bulk.error == nil)
        #expect(bulk.events.count == 8)
        #expect(bulk.events.first.map { if case .streamStart = $0 { true } else { false } } == true)
        #expect(bulk.events.last == .streamEnd)
        #expect(differences.isEmpty, "first difference: \(String(describing: differences.first))")
    }

    @Test("the parsed stream has the expected content")
    func streamContent() {
        let outcome = feed(Self.stream, cuts: [])
        let elements = outcome.elements
        #expect(elements.count == 6)
        guard elements.count == 6 else { return }
        #expect(elements[1].attribute("id") == "m&2")
        #expect(elements[1].attribute("subject") == "a>b")
        #expect(elements[1].firstChild(named: "body")?.text == "héllo 😀 日本 <tag> & ☺ é 1 > 0")
        #expect(elements[1].firstChild(named: "thread")?.text == "th&read")
        #expect(elements[1].firstChild(named: "active")?.namespace == "http://jabber.org/protocol/chatstates")
        #expect(elements[2].firstChild(named: "status")?.text == "Out 'to' lunch \"now\"")
        let query = elements[3].firstChild(named: "query", namespace: "jabber:iq:roster")
        #expect(query?.elements.map { $0.attribute("name") } == ["Romeo 💘", "M&M"])
        #expect(elements[4].firstChild(named: "body")?.text == "<b>bold</b> & ]]> 日本")
    }

    @Test("a multi-byte character split across chunks at every position")
    func splitMultiByteCharacters() throws {
        let prefix = Array(streamHeader() + "<message><body x='")
        let middle = Array("é😀日")  // 2 + 4 + 3 bytes
        let suffix = Array("'>")
        for character in ["é", "😀", "日"] {
            let bytes = Array(character.utf8)
            for cut in 1..<bytes.count {
                let parser = XMLStreamParser()
                var events: [XMLStreamEvent] = []
                try parser.feed(prefix + middle + suffix + Array("a"), into: &events)
                try parser.feed(bytes[..<cut], into: &events)
                try parser.feed(bytes[cut...], into: &events)
                try parser.feed(Array("</body></message>"), into: &events)
                guard case .element(let message)? = events.last else {
                    Issue.record("no element for \(character) cut at \(cut)")
                    continue
                }
                let body = message.firstChild(named: "body")
                #expect(body?.text == "a" + character)
                #expect(body?.attribute("x") == "é😀日")
            }
        }
    }

    @Test("malformed input gives the same events and error however it is cut")
    func malformedIsChunkingInvariant() {
        let cases: [(String, XMLStreamError.Condition)] = [
            (streamHeader() + "<message><body>ok</body></message><presence></message>", .notWellFormed),
            (streamHeader() + "<message/><message><!-- no --></message>", .restrictedXML(.comment)),
            (streamHeader() + "<message/><message>&nbsp;</message>", .restrictedXML(.entityReference)),
            (streamHeader() + "<message/><?pi data?>", .restrictedXML(.processingInstruction)),
            ("<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", .restrictedXML(.dtd)),
            ("<?xml version='1.0' encoding='ISO-8859-1'?><stream/>", .unsupportedEncoding),
            (streamHeader() + "<message/><x:y/>", .notWellFormed),
            (streamHeader() + "<message/></stream:stream>junk", .notWellFormed),
        ]
        for (input, condition) in cases {
            let (bulk, differences) = chunkingDifferences(Array(input), iterations: 60)
            #expect(bulk.error == condition, "\(input)")
            #expect(differences.isEmpty, "\(input): \(String(describing: differences.first))")
        }
        let invalid = Array(streamHeader() + "<message><body>ok") + [0xC3, 0x28] + Array("</body></message>")
        let (bulk, differences) = chunkingDifferences(invalid, iterations: 60)
        #expect(bulk.error == .invalidUTF8)
        #expect(bulk.events.count == 1)
        #expect(differences.isEmpty, "\(String(describing: differences.first))")
    }

    @Test("limits trip the same way however the input is cut")
    func limitsAreChunkingInvariant() {
        let limits = XMLLimits(maxStanzaBytes: 120, maxDepth: 4, maxAttributes: 3, maxTextBytes: 100)
        let stanza = "<message to='a' id='b'><body>short</body></message>"
        let cases: [(String, XMLStreamError.Condition)] = [
            (stanza + "<message>" + String(repeating: "<b/>", count: 30) + "</message>", .limitExceeded(.stanzaBytes)),
            (stanza + "<a><b><c><d/></c></b></a>", .limitExceeded(.depth)),
            (stanza + "<a w='1' x='2' y='3' z='4'/>", .limitExceeded(.attributes)),
            (stanza + "<a>" + String(repeating: "é", count: 51) + "</a>", .limitExceeded(.textBytes)),
        ]
        for (body, condition) in cases {
            let input = Array("<stream:stream xmlns='jabber:client' xmlns:stream='\(streamsNS)'>" + body)
            let (bulk, differences) = chunkingDifferences(input, iterations: 60, limits: limits)
            #expect(bulk.error == condition, "\(body)")
            #expect(bulk.elements.count == 1, "\(body)")
            #expect(differences.isEmpty, "\(body): \(String(describing: differences.first))")
        }
    }
}
