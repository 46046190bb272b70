import ParleyCore
import ParleyXML
import Testing

@testable import ParleyXMPP

/// XEP-0198 in the stream machine (the feature, resume instead of bind, enable only after
/// it) and its counters (acks, a count too high).
@Suite struct StreamManagementTests {
    func sm(_ text: String) throws -> XMLElement {
        try clientElement(text.replacingOccurrences(of: "SM", with: "xmlns='\(XMPPNamespace.streamManagement)'"))
    }

    @Test func offeredAfterAuthenticationOnlyWhenConfigured() throws {
        var managed = makeStream(streamManagement: true)
        try managed.authenticateAlice()
        var features = makeStream(streamManagement: true)
        _ = features.receiveHeader(clientHeader())
        #expect(features.features().firstChild(named: "sm", namespace: XMPPNamespace.streamManagement) == nil)
        #expect(managed.features().firstChild(named: "sm", namespace: XMPPNamespace.streamManagement) != nil)
        var plain = makeStream()
        try plain.authenticateAlice()
        #expect(plain.features().firstChild(named: "sm", namespace: XMPPNamespace.streamManagement) == nil)
        // Without it, an <enable/> is an unsupported element.
        #expect(closingError(plain.receiveElement(try sm("<enable SM/>")))?.condition == .unsupportedStanzaType)
    }

    @Test func resumeTakesThePlaceOfBindingAndEnableWaitsForIt() throws {
        var stream = makeStream(streamManagement: true)
        try stream.authenticateAlice()
        #expect(sent(stream.receiveElement(try sm("<enable SM/>"))).first?.name == "failed")
        #expect(sent(stream.receiveElement(try sm("<resume SM previd='x'/>"))).first?.name == "failed")  // no h
        #expect(names(stream.receiveElement(try sm("<resume SM previd='abc' h='3'/>"))) == ["resume abc"])
        // Refused: the client may bind on the same stream.
        #expect(names(stream.receiveResume(.failed(reply: StreamManagementElements.failed(.itemNotFound)))) == ["send failed/item-not-found"])
        let bind = try clientElement("<iq type='set' id='b'><bind xmlns='\(XMPPNamespace.bind)'/></iq>")
        #expect(names(stream.receiveElement(bind)).first?.hasPrefix("bind ") == true)
        _ = stream.receiveBind(.bound(JID("alice@example.test/phone")!))
        #expect(names(stream.receiveElement(try sm("<enable SM resume='true'/>"))) == ["nonza enable"])
        #expect(names(stream.receiveElement(try sm("<a SM h='1'/>"))) == ["nonza a"])
    }

    @Test func aResumedStreamIsBound() throws {
        var stream = makeStream(streamManagement: true)
        try stream.authenticateAlice()
        _ = stream.receiveElement(try sm("<resume SM previd='abc' h='0'/>"))
        #expect(names(stream.receiveResume(.resumed(JID("alice@example.test/phone")!))) == ["acceptResumption"])
        #expect(stream.boundJID == JID("alice@example.test/phone"))
        #expect(stream.acceptedStanza(try clientElement("<message to='bob@example.test'/>")) != nil)
    }

    @Test func countersAcknowledgeAndRefuseTooMany() {
        var counters = StreamManagementCounters()
        for _ in 0..<5 { counters.sentOne() }
        #expect(counters.acknowledge(3) == 3)
        #expect(counters.unacknowledged == 2)
        #expect(counters.acknowledge(6) == nil)  // more than sent
        #expect(counters.acknowledge(2) == nil)  // going backwards
        #expect(counters.acknowledge(5) == 2)
        let error = StreamManagementElements.handledCountTooHigh(h: 10, sent: 8)
        #expect(error.condition == .undefinedCondition)
        #expect(error.element.firstChild(named: "handled-count-too-high", namespace: XMPPNamespace.streamManagement)?[attribute: "send-count"] == "8")
    }
}
