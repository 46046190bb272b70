import ParleyXML
import Testing

@Suite("Limits")
struct LimitsTests {
    static let open = "<stream:stream xmlns='jabber:client' xmlns:stream='\(streamsNS)'>"

    func outcome(_ body: String, _ limits: XMLLimits) -> FeedOutcome {
        feed(Array(Self.open + body), cuts: [], limits: limits)
    }

    @Test("the defaults are the documented bounded values")
    func defaults() {
        let limits = XMLLimits()
        #expect(limits.maxStanzaBytes == 256 * 1024)
        #expect(limits.maxDepth == 32)
        #expect(limits.maxAttributes == 64)
        #expect(limits.maxAttributeValueBytes == 64 * 1024)
        #expect(limits.maxTextBytes == limits.maxStanzaBytes)
        #expect(limits.maxNameBytes == 1024)
        #expect(XMLLimits(maxStanzaBytes: 0, maxDepth: -1).maxDepth == 1)
    }

    @Test("stanza bytes: a stanza of exactly the limit passes, one byte more is refused")
    func stanzaBytesBoundary() {
        let stanza = "<message><body>" + String(repeating: "x", count: 85) + "</body></message>"
        #expect(stanza.utf8.count == 117)
        let exact = outcome(stanza + stanza, XMLLimits(maxStanzaBytes: 117))
        #expect(exact.error == nil)
        #expect(exact.elements.count == 2)
        let over = outcome(stanza, XMLLimits(maxStanzaBytes: 116))
        #expect(over.error == .limitExceeded(.stanzaBytes))
        #expect(over.elements.isEmpty)
    }

    @Test("stanza bytes: the default limit stops an endless stanza, an endless header, and whitespace floods")
    func stanzaBytesDefault() {
        let parser = XMLStreamParser()
        var events: [XMLStreamEvent] = []
        let chunk = Array(String(repeating: "y", count: 4096))
        var thrown: XMLStreamError?
        do {
            try parser.feed(Array(Self.open + "<message><body>"), into: &events)
            for _ in 0..<100 { try parser.feed(chunk, into: &events) }  // 400 KiB of text
        } catch {
            thrown = error
        }
        #expect(thrown?.condition == .limitExceeded(.stanzaBytes))
        #expect(thrown?.streamErrorCondition == "policy-violation")

        let header = Array("<stream:stream xmlns='jabber:client' to='") + Array(repeating: UInt8(ascii: "a"), count: 300_000)
        #expect(feed(header, cuts: [1000]).error == .limitExceeded(.stanzaBytes))
        let spaces = Array(Self.open) + Array(repeating: UInt8(ascii: " "), count: 300_000)
        #expect(feed(spaces, cuts: [100_000]).error == .limitExceeded(.stanzaBytes))
    }

    @Test("stanza bytes: a huge single feed of many small stanzas is fine")
    func manyStanzasInOneFeed() {
        let stanza = "<message to='bob@example.com'><body>hello</body></message>"
        let input = Array(Self.open + String(repeating: stanza, count: 20_000))  // ~1.2 MB
        let result = feed(input, cuts: [], limits: XMLLimits(maxStanzaBytes: 100))
        #expect(result.error == nil)
        #expect(result.elements.count == 20_000)
    }

    @Test("depth: the root counts as 1")
    func depth() {
        let limits = XMLLimits(maxDepth: 3)
        #expect(outcome("<a><b/></a>", limits).error == nil)
        let deep = outcome("<a><b><c/></b></a>", limits)
        #expect(deep.error == .limitExceeded(.depth))
        #expect(deep.elements.isEmpty)
        // The default: 32 levels.
        let nested = (0..<31).map { "<e\($0)>" }.joined() + (0..<31).reversed().map { "</e\($0)>" }.joined()
        #expect(outcome(nested, .default).error == nil)
        let tooNested = (0..<32).map { "<e\($0)>" }.joined()
        #expect(outcome(tooNested, .default).error == .limitExceeded(.depth))
    }

    @Test("attributes: namespace declarations count")
    func attributeCount() {
        let limits = XMLLimits(maxAttributes: 3)
        #expect(outcome("<a x='1' y='2' xmlns:p='urn:p'/>", limits).error == nil)
        #expect(outcome("<a x='1' y='2' z='3' w='4'/>", limits).error == .limitExceeded(.attributes))
        #expect(outcome("<a x='1' y='2' xmlns:p='urn:p' xmlns='urn:d'/>", limits).error == .limitExceeded(.attributes))
    }

    @Test("attributes: a huge start tag is refused at its first attribute over the limit")
    func attributeFloodIsStoppedEarly() {
        // libxml2 only reports a start tag once it is complete, and checks duplicates
        // pairwise: the count must not wait for the end of a 250 KB tag.
        var tag = "<message"
        var count = 0
        while tag.utf8.count < 250_000 {
            tag += " a\(count)=''"
            count += 1
        }
        let bytes = Array(tag + "/>")
        let parser = XMLStreamParser()
        var events: [XMLStreamEvent] = []
        var chunksFed = 0
        var thrown: XMLStreamError?
        do {
            try parser.feed(Array(Self.open), into: &events)
            for start in stride(from: 0, to: bytes.count, by: 1000) {
                chunksFed += 1
                try parser.feed(bytes[start..<min(bytes.count, start + 1000)], into: &events)
            }
        } catch {
            thrown = error
        }
        #expect(thrown?.condition == .limitExceeded(.attributes))
        #expect(chunksFed == 1)
        #expect(events.count == 1)
    }

    @Test("attributes: '=' in values, text, CDATA and the XML declaration is not counted")
    func attributeCountIgnoresOtherEquals() {
        let limits = XMLLimits(maxAttributes: 3)
        let body =
            "<a x='=====' y=\"'>=\" z='3'>a=b=c=d=e <![CDATA[ ' = = = > = ]]>=<b p='=' q=\"=\"/>====</a>"
        let result = feed(Array("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>" + Self.open + body), cuts: [], limits: limits)
        #expect(result.error == nil)
        #expect(result.elements.first?.attribute("y") == "'>=")
        #expect(result.elements.first?.text == "a=b=c=d=e  ' = = = > = =====")
        let (bulk, differences) = chunkingDifferences(Array(Self.open + body + "<c a='1' b='2' c='3' d='4'/>"), iterations: 100, limits: limits)
        #expect(bulk.error == .limitExceeded(.attributes))
        #expect(bulk.elements.count == 1)
        #expect(differences.isEmpty)
    }

    @Test("attribute value bytes, text bytes, name bytes")
    func sizes() {
        // The stream namespace, the longest name in the header, has 32 bytes.
        let limits = XMLLimits(maxAttributeValueBytes: 8, maxTextBytes: 8, maxNameBytes: 32)
        let name32 = String(repeating: "n", count: 32)
        #expect(outcome("<\(name32) v='12345678'>12345678</\(name32)>", limits).error == nil)
        #expect(outcome("<a v='123456789'/>", limits).error == .limitExceeded(.attributeValueBytes))
        #expect(outcome("<a>123456789</a>", limits).error == .limitExceeded(.textBytes))
        // Text merged from pieces (references, CDATA) counts as one run.
        #expect(outcome("<a>1234&amp;<![CDATA[5678]]></a>", limits).error == .limitExceeded(.textBytes))
        #expect(outcome("<\(name32)n/>", limits).error == .limitExceeded(.nameBytes))
        #expect(outcome("<a \(name32)n='1'/>", limits).error == .limitExceeded(.nameBytes))
        #expect(outcome("<a xmlns='urn:\(name32)'/>", limits).error == .limitExceeded(.nameBytes))
    }
}
