import Testing

@testable import ParleyXML

/// A parser that releases libxml2's context between stanzas must parse what follows
/// exactly as one that never did.
@Suite struct HibernationTests {
    static let header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:x='urn:example:x' to='example.test' version='1.0'>"
    static let stanzas = [
        "<message to='a@example.test' type='chat'><body>one &amp; two</body></message>",
        "  \n",
        "<x:thing attr='v'><x:inner/></x:thing>",
        "<presence><show>away</show><status>é</status></presence>",
        "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>",
    ]

    private func events(hibernating: Bool) throws -> ([XMLStreamEvent], Int) {
        let parser = XMLStreamParser()
        var events = try parser.feed(Array(Self.header.utf8))
        var slept = 0
        for stanza in Self.stanzas {
            if hibernating && parser.hibernate() {
                slept += 1
                #expect(parser.isHibernating)
            }
            events += try parser.feed(Array(stanza.utf8))
        }
        events += try parser.feed(Array("</stream:stream>".utf8))
        return (events, slept)
    }

    @Test func stanzasAfterHibernationParseAsWithout() throws {
        let (plain, _) = try events(hibernating: false)
        let (rested, slept) = try events(hibernating: true)
        #expect(slept == Self.stanzas.count)
        #expect(rested == plain)
        #expect(plain.count == 1 + 4 + 1)
    }

    @Test func noHibernationInsideAStanzaOrBeforeTheStream() throws {
        let parser = XMLStreamParser()
        #expect(!parser.hibernate(), "no stream yet")
        _ = try parser.feed(Array(Self.header.utf8))
        _ = try parser.feed(Array("<message><body>half".utf8))
        #expect(!parser.hibernate(), "inside a stanza")
        _ = try parser.feed(Array("</body></message><pres".utf8))
        #expect(!parser.hibernate(), "inside a start tag")
        let rest = try parser.feed(Array("ence/>".utf8))
        #expect(rest == [.element(XMLElement(name: "presence", namespace: "jabber:client"))])
        #expect(parser.hibernate())
    }

    @Test func limitsAndErrorsStillApplyAfterWaking() throws {
        let parser = XMLStreamParser(limits: XMLLimits(maxStanzaBytes: 300))
        _ = try parser.feed(Array(Self.header.utf8))
        #expect(parser.hibernate())
        #expect(throws: XMLStreamError.self) {
            _ = try parser.feed(Array("<message><body>\(String(repeating: "x", count: 400))</body></message>".utf8))
        }
        let broken = XMLStreamParser()
        _ = try broken.feed(Array(Self.header.utf8))
        #expect(broken.hibernate())
        #expect(throws: XMLStreamError.self) { _ = try broken.feed(Array("<a></b>".utf8)) }
    }

    @Test func aStreamRestartWhileHibernatingStartsAFreshStream() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(Self.header.utf8))
        #expect(parser.hibernate())
        parser.reset()
        let events = try parser.feed(Array((Self.header + "<presence/>").utf8))
        #expect(events.count == 2)
        if case .streamStart(let header) = events.first {
            #expect(header.attribute("to") == "example.test")
        } else {
            Issue.record("expected a stream header first, got \(events)")
        }
    }
}
