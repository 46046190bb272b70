import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyPubSub

/// Requests read from the XML the XEP's examples use, and the error element rendered.
@Suite struct PubSubParsingTests {
    static let ps = PubSubNamespace.pubsub
    static let owner = PubSubNamespace.owner

    func parse(_ xml: String, set: Bool) throws -> PubSubRequest {
        try PubSubRequest.parse(try XMLStreamParser.parseDocument(xml), isSet: set)
    }

    @Test func entityRequests() throws {
        #expect(try parse("<pubsub xmlns='\(Self.ps)'><create node='n'/><configure/></pubsub>", set: true)
            == .create(node: "n", configuration: nil))
        #expect(try parse("<pubsub xmlns='\(Self.ps)'><create/></pubsub>", set: true) == .create(node: nil, configuration: nil))
        #expect(try parse("<pubsub xmlns='\(Self.ps)'><subscribe node='n' jid='bob@localhost'/></pubsub>", set: true)
            == .subscribe(node: "n", jid: JID("bob@localhost")!, options: nil))
        #expect(try parse("<pubsub xmlns='\(Self.ps)'><items node='n' max_items='2'/></pubsub>", set: false)
            == .items(node: "n", maxItems: 2, ids: [], page: nil))
        #expect(try parse("<pubsub xmlns='\(Self.ps)'><retract node='n' notify='true'><item id='a'/></retract></pubsub>", set: true)
            == .retract(node: "n", ids: ["a"], notify: true))
        let publish = try parse(
            "<pubsub xmlns='\(Self.ps)'><publish node='n'><item id='a'><e xmlns='urn:x'>t</e></item></publish></pubsub>", set: true)
        guard case .publish("n", let items, nil) = publish else { Issue.record("\(publish)"); return }
        #expect(items.first?.id == "a")
        #expect(items.first?.payload?.name == "e")
        let paged = try parse(
            "<pubsub xmlns='\(Self.ps)'><items node='n'/><set xmlns='\(PubSubNamespace.rsm)'><max>2</max><after>x</after></set></pubsub>",
            set: false)
        #expect(paged == .items(node: "n", maxItems: nil, ids: [], page: ResultSetRequest(max: 2, after: "x")))
    }

    @Test func ownerRequests() throws {
        #expect(try parse("<pubsub xmlns='\(Self.owner)'><delete node='n'><redirect uri='xmpp:x?;node=m'/></delete></pubsub>", set: true)
            == .delete(node: "n", redirect: "xmpp:x?;node=m"))
        #expect(try parse("<pubsub xmlns='\(Self.owner)'><default/></pubsub>", set: false) == .defaultConfiguration)
        #expect(try parse("<pubsub xmlns='\(Self.owner)'><configure node='n'/></pubsub>", set: false)
            == .configure(node: "n", submitted: nil))
        #expect(try parse(
            "<pubsub xmlns='\(Self.owner)'><affiliations node='n'><affiliation jid='bob@localhost' affiliation='publisher'/></affiliations></pubsub>",
            set: true) == .manageAffiliations(node: "n", changes: [.init(jid: JID("bob@localhost")!, affiliation: .publisher)]))
        #expect(try parse(
            "<pubsub xmlns='\(Self.owner)'><subscriptions node='n'><subscription jid='bob@localhost' subscription='none'/></subscriptions></pubsub>",
            set: true) == .manageSubscriptions(node: "n", changes: [.init(jid: JID("bob@localhost")!, subid: nil, state: nil)]))
    }

    @Test func malformedRequestsGetTheXEPsErrors() {
        func error(_ xml: String, set: Bool) -> PubSubError? {
            do { _ = try parse(xml, set: set) } catch let error as PubSubError { return error } catch { return nil }
            return nil
        }
        #expect(error("<pubsub xmlns='\(Self.ps)'><publish/></pubsub>", set: true)?.condition == .nodeidRequired)
        #expect(error("<pubsub xmlns='\(Self.ps)'><subscribe node='n' jid='@@'/></pubsub>", set: true)?.condition == .invalidJID)
        #expect(error("<pubsub xmlns='\(Self.ps)'><options node='n'/></pubsub>", set: false)?.condition == .jidRequired)
        #expect(error("<pubsub xmlns='\(Self.ps)'><frobnicate/></pubsub>", set: true)?.condition == .unsupported)
        #expect(error("<query xmlns='urn:unknown'/>", set: false)?.stanza.condition == .serviceUnavailable)
        #expect(error(
            "<pubsub xmlns='\(Self.ps)'><publish node='n'><item><a xmlns='x'/><b xmlns='x'/></item></publish></pubsub>", set: true)?
            .condition == .invalidPayload)
    }

    @Test func errorElementCarriesBothConditions() {
        let element = PubSubError.unsupported("persistent-items").element()
        #expect(element[attribute: "type"] == "cancel")
        #expect(element.firstChild(named: "feature-not-implemented", namespace: XMPPNamespace.stanzaErrors) != nil)
        let unsupported = element.firstChild(named: "unsupported", namespace: PubSubNamespace.errors)
        #expect(unsupported?[attribute: "feature"] == "persistent-items")
    }
}
