import ParleyXML
import Testing

@testable import ParleyXMPP

/// RFC 6120 §8.3: the error element both ways, with an application-specific condition.
@Suite struct StanzaErrorTests {
    @Test func anApplicationConditionFollowsTheDefinedOneAndIsReadBack() throws {
        let closed = XMLElement(name: "closed-node", namespace: "http://jabber.org/protocol/pubsub#errors")
        let error = StanzaError(.notAllowed, text: "whitelist", applicationCondition: closed)
        let element = error.element()
        // §8.3.2: the defined condition, then text, then the application's (§8.3.4).
        #expect(element.elements.map(\.name) == ["not-allowed", "text", "closed-node"])
        let reply = error.reply(to: try XMLStreamParser.parseDocument("<iq xmlns='jabber:client' type='get' id='1'/>"))
        let read = try #require(StanzaError(from: reply))
        #expect(read.condition == .notAllowed)
        #expect(read.text == "whitelist")
        #expect(read.applicationCondition == closed)
    }

    @Test func withoutOneNothingIsAdded() throws {
        let element = StanzaError(.forbidden).element()
        #expect(element.elements.map(\.name) == ["forbidden"])
        let read = try #require(StanzaError(from: StanzaError(.forbidden).reply(to: XMLElement(name: "iq", namespace: "jabber:client"))))
        #expect(read.applicationCondition == nil)
    }
}
