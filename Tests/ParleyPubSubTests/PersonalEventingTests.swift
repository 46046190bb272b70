import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyPubSub

/// XEP-0163's rules over the pubsub state machine: auto-create with PEP's defaults and the
/// publish-options, one publisher per node, who hears of events, the last item on presence.
@Suite struct PersonalEventingTests {
    static let alice = JID("alice@localhost/phone")!
    static let bob = JID("bob@localhost/desk")!
    static let carol = JID("carol@localhost/laptop")!
    /// bob sees alice's presence; carol is not in her list.
    static let facts = AccessFacts(lists: [
        alice.bare: [bob.bare: AccessFacts.Contact(seesOwnerPresence: true, groups: [])]
    ])

    func publish(_ node: String, _ text: String, options: [String: String]? = nil) -> PubSubRequest {
        Fixture.publish(node, id: "current", text, options: options.map { Fixture.form(PubSubNamespace.publishOptions, $0) })
    }

    @Test func aPublishCreatesTheNodeWithPEPsDefaults() throws {
        var pep = PersonalEventing(owner: Self.alice)
        let outcome = pep.handle(publish("http://jabber.org/protocol/nick", "Alice"), from: Self.alice, facts: Self.facts)
        #expect(outcome.error == nil)
        let node = try #require(pep.nodes["http://jabber.org/protocol/nick"])
        // §5: presence access, one item, sent on presence.
        #expect(node.configuration.accessModel == .presence)
        #expect(node.configuration.maxItems == 1)
        #expect(node.configuration.sendLastPublishedItem == .onSubscribeAndPresence)
        #expect(node.owners == [Self.alice.bare])
        #expect(outcome.changes.contains(.node("http://jabber.org/protocol/nick")))
        #expect(outcome.announcements.map(\.node) == ["http://jabber.org/protocol/nick"])
        // A second publish replaces the one item.
        _ = pep.handle(publish("http://jabber.org/protocol/nick", "Alice B."), from: Self.alice, facts: Self.facts)
        #expect(pep.nodes["http://jabber.org/protocol/nick"]?.items.count == 1)
    }

    @Test func publishOptionsConfigureTheNewNodeAndAreCheckedAfterwards() throws {
        var pep = PersonalEventing(owner: Self.alice)
        // XEP-0402 §5: what a client publishing bookmarks asks for.
        let bookmarks = ["pubsub#persist_items": "true", "pubsub#max_items": "max", "pubsub#access_model": "whitelist",
            "pubsub#send_last_published_item": "never"]
        #expect(pep.handle(publish("urn:xmpp:bookmarks:1", "room", options: bookmarks), from: Self.alice).error == nil)
        let node = try #require(pep.nodes["urn:xmpp:bookmarks:1"])
        #expect(node.configuration.accessModel == .whitelist)
        #expect(node.configuration.maxItems == pep.service.limits.maximumItemsPerNode)
        // XEP-0060 §7.1.5: a node that does not match is conflict + precondition-not-met.
        let open = pep.handle(publish("urn:xmpp:bookmarks:1", "room", options: ["pubsub#access_model": "open"]), from: Self.alice)
        #expect(open.stanzaCondition == .conflict)
        #expect(open.pubsubCondition == .preconditionNotMet)
    }

    @Test func onlyTheAccountCreatesConfiguresOrPublishes() {
        var pep = PersonalEventing(owner: Self.alice)
        // §2.2: bob may not make a node in alice's service, by publishing or creating.
        #expect(pep.handle(publish("urn:example:x", "hi"), from: Self.bob, facts: Self.facts).stanzaCondition == .forbidden)
        #expect(pep.handle(.create(node: "urn:example:x", configuration: nil), from: Self.bob).stanzaCondition == .forbidden)
        #expect(pep.nodes.isEmpty)
        _ = pep.handle(publish("urn:example:x", "hi"), from: Self.alice)
        #expect(pep.handle(publish("urn:example:x", "mine"), from: Self.bob, facts: Self.facts).stanzaCondition == .forbidden)
        #expect(pep.handle(.delete(node: "urn:example:x", redirect: nil), from: Self.bob).stanzaCondition == .forbidden)
        #expect(pep.nodes["urn:example:x"]?.items.count == 1)
    }

    @Test func eventsAndLastItemsFollowTheAccessModel() throws {
        var pep = PersonalEventing(owner: Self.alice)
        _ = pep.handle(publish("urn:xmpp:avatar:metadata", "avatar"), from: Self.alice)
        let candidates = [Self.alice.bare, Self.bob.bare, Self.carol.bare]
        // Presence access: the owner and a contact with a subscription, never a stranger.
        #expect(pep.audience(of: "urn:xmpp:avatar:metadata", among: candidates, facts: Self.facts) == [Self.alice.bare, Self.bob.bare])
        #expect(pep.lastItemEvent(of: "urn:xmpp:avatar:metadata", for: Self.bob, facts: Self.facts) != nil)
        #expect(pep.lastItemEvent(of: "urn:xmpp:avatar:metadata", for: Self.carol, facts: Self.facts) == nil)
        // An open node (XEP-0384 device lists) reaches anyone who asks.
        _ = pep.handle(
            publish("urn:xmpp:omemo:2:devices", "devices", options: ["pubsub#access_model": "open"]), from: Self.alice)
        #expect(pep.audience(of: "urn:xmpp:omemo:2:devices", among: candidates, facts: Self.facts) == candidates)
        // send_last_published_item never: nothing on presence.
        _ = pep.handle(
            publish("urn:xmpp:bookmarks:1", "room", options: ["pubsub#send_last_published_item": "never"]), from: Self.alice)
        #expect(pep.lastItemEvent(of: "urn:xmpp:bookmarks:1", for: Self.alice, facts: Self.facts) == nil)
        let last = try #require(pep.lastItemEvent(of: "urn:xmpp:avatar:metadata", for: Self.alice, facts: .none))
        #expect(last.event.name == "event" && last.event.namespace == PubSubNamespace.event)
        #expect(last.published == pep.nodes["urn:xmpp:avatar:metadata"]?.items.last?.published)
    }
}
