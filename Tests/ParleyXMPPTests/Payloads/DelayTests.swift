import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@Suite("XEP-0203 delay")
struct DelayTests {
    @Test("parses stamp, from and reason")
    func parses() throws {
        let element = try payloadXML(
            "<delay xmlns='urn:xmpp:delay' from='capulet.com' stamp='2002-09-10T23:08:25Z'>Offline Storage</delay>")
        let delay = try Delay(element: element)
        #expect(delay.stamp == XMPPDateTime.date(from: "2002-09-10T23:08:25Z"))
        #expect(delay.from == JID("capulet.com"))
        #expect(delay.reason == "Offline Storage")
    }

    @Test("round trip through the element and its serialization")
    func roundTrip() throws {
        let original = Delay(
            stamp: Date(timeIntervalSince1970: 1_795_287_600.123), from: JID("example.com"), reason: "stored <offline>")
        let element = original.element
        #expect(element[attribute: "stamp"] == "2026-11-21T19:00:00.123Z")
        let reparsed = try XMLStreamParser.parseDocument(element.serialized())
        let delay = try Delay(element: reparsed)
        #expect(delay.from == original.from)
        #expect(delay.reason == original.reason)
        #expect(abs(delay.stamp.timeIntervalSince(original.stamp)) < 0.0005)
    }

    @Test("without from or reason, nothing extra is written")
    func minimal() {
        let element = Delay(stamp: Date(timeIntervalSince1970: 0)).element
        #expect(element.attributes.map(\.name) == ["stamp"])
        #expect(element.children.isEmpty)
    }

    @Test("stamp with an offset is read as UTC")
    func offsetStamp() throws {
        let delay = try Delay(
            element: payloadXML("<delay xmlns='urn:xmpp:delay' stamp='2002-09-11T01:08:25.5+02:00'/>"))
        #expect(delay.element[attribute: "stamp"] == "2002-09-10T23:08:25.500Z")
    }

    @Test("missing or bad stamp, bad from, wrong element")
    func errors() throws {
        let noStamp = try payloadXML("<delay xmlns='urn:xmpp:delay'/>")
        #expect(caughtStanzaError { _ = try Delay(element: noStamp) }?.condition == .badRequest)
        let badStamp = try payloadXML("<delay xmlns='urn:xmpp:delay' stamp='yesterday'/>")
        #expect(caughtStanzaError { _ = try Delay(element: badStamp) }?.condition == .badRequest)
        let badFrom = try payloadXML("<delay xmlns='urn:xmpp:delay' from='a@' stamp='2002-09-10T23:08:25Z'/>")
        #expect(caughtStanzaError { _ = try Delay(element: badFrom) }?.condition == .jidMalformed)
        let legacy = try payloadXML("<x xmlns='jabber:x:delay' stamp='20020910T23:08:25'/>")
        #expect(caughtStanzaError { _ = try Delay(element: legacy) }?.condition == .badRequest)
    }
}
