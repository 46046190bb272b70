import ParleyCore
import ParleyXML
import Testing

@testable import ParleyXMPP

/// The codec's reading of XEP-0334 hints and XEP-0280 `<private/>`, and of XEP-0359
/// stanza-ids: a sender cannot supply the id the recipient's archive gives (§5), and the
/// id the model minted is rendered by the recipient's bare JID.
@Suite struct MessageHintsCodecTests {
    let codec = XMPPStanzaCodec()
    let romeo = UserID(localpart: "romeo", domain: "example.net")
    let juliet = SessionID(user: UserID(localpart: "juliet", domain: "example.com"), resource: "balcony")

    func message(_ children: String) throws -> XMLElement {
        try XMLStreamParser.parseDocument("<message xmlns='jabber:client' type='chat'><body>hi</body>\(children)</message>")
    }

    @Test func hintsBecomeModelHintsAndStayAsPayloads() throws {
        let stanza = try message(
            "<no-copy xmlns='urn:xmpp:hints'/><no-permanent-store xmlns='urn:xmpp:hints'/><private xmlns='urn:xmpp:carbons:2'/>")
        let parsed = codec.message(from: stanza, to: .user(romeo), sender: .session(juliet))
        #expect(parsed.hints == [.noCopy, .noStore])
        #expect(parsed.payloads.count == 3)
        #expect(!parsed.isConversation && !parsed.isArchivable)
        let stored = codec.message(from: try message("<store xmlns='urn:xmpp:hints'/>"), to: .user(romeo), sender: .session(juliet))
        #expect(stored.hints == [.store])
    }

    @Test func aForgedStanzaIDForTheRecipientIsDroppedOthersKept() throws {
        let stanza = try message(
            "<stanza-id xmlns='urn:xmpp:sid:0' by='romeo@example.net' id='forged'/><stanza-id xmlns='urn:xmpp:sid:0' by='room@muc.example.net' id='r1'/>")
        let parsed = codec.message(from: stanza, to: .user(romeo), sender: .session(juliet))
        let ids = parsed.payloads.compactMap { ($0.native?.value as? XMLElement)?[attribute: "id"] }
        #expect(ids == ["r1"])
        var minted = parsed
        minted.archiveID = "a1"
        let rendered = codec.element(for: minted, from: "juliet@example.com/balcony", to: "romeo@example.net/phone")
        let own = rendered.elements.first { StanzaID.isStanzaID($0, by: JID("romeo@example.net")!) }
        #expect(own?[attribute: "id"] == "a1")
    }
}
