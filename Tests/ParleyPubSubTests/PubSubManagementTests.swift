import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyPubSub

/// XEP-0060 §5: disco, one's subscriptions and affiliations; §8.8, §8.9: an owner's management.
@Suite struct PubSubManagementTests {
    @Test func serviceAndNodeDiscovery() throws {
        var f = Fixture()
        f.create("news", ["pubsub#title": "News"])
        f.run(Fixture.publish("news", id: "a"), from: Fixture.alice)
        let info = try DiscoInfo(element: try #require(f.run(.discoInfo(node: nil), from: Fixture.bob).payload))
        #expect(info.identities.first?.category == "pubsub" && info.identities.first?.type == "service")
        #expect(info.supports(PubSubNamespace.feature("publish")))
        let node = try DiscoInfo(element: try #require(f.run(.discoInfo(node: "news"), from: Fixture.bob).payload))
        #expect(node.identities.first?.type == "leaf")
        let meta = try #require(node.extensions.first)
        #expect(meta.formType == PubSubNamespace.metaData)
        #expect(meta.value(of: "pubsub#title") == "News")
        #expect(meta[("pubsub#owner")]?.values == ["alice@localhost"])
        #expect(f.run(.discoInfo(node: "nope"), from: Fixture.bob).stanzaCondition == .itemNotFound)
        let nodes = try DiscoItems(element: try #require(f.run(.discoItems(node: nil), from: Fixture.bob).payload))
        #expect(nodes.items.map(\.node) == ["news"])
        #expect(nodes.items.first?.name == "News")
        let items = try DiscoItems(element: try #require(f.run(.discoItems(node: "news"), from: Fixture.bob).payload))
        #expect(items.items.map(\.name) == ["a"])
    }

    @Test func ownSubscriptionsAndAffiliations() {
        var f = Fixture()
        f.create("a")
        f.create("b")
        f.run(.subscribe(node: "b", jid: Fixture.bob, options: nil), from: Fixture.bob)
        let subscriptions = f.run(.subscriptions(node: nil), from: Fixture.bob).payload?.firstChild(named: "subscriptions")
        #expect(subscriptions?.elements.map { $0[attribute: "node"] } == ["b"])
        let affiliations = f.run(.affiliations(node: nil), from: Fixture.alice).payload?.firstChild(named: "affiliations")
        #expect(affiliations?.elements.map { $0[attribute: "affiliation"] } == ["owner", "owner"])
        #expect(f.run(.subscriptions(node: "zz"), from: Fixture.bob).stanzaCondition == .itemNotFound)
    }

    @Test func ownersManageSubscriptions() {
        var f = Fixture()
        f.create("news")
        f.run(.subscribe(node: "news", jid: Fixture.bob, options: nil), from: Fixture.bob)
        #expect(f.run(.manageSubscriptions(node: "news", changes: nil), from: Fixture.bob).stanzaCondition == .forbidden)
        let list = f.run(.manageSubscriptions(node: "news", changes: nil), from: Fixture.alice)
        #expect(list.payload?.firstChild(named: "subscriptions")?.elements.map { $0[attribute: "jid"] } == [Fixture.bob.description])
        let changed = f.run(
            .manageSubscriptions(node: "news", changes: [
                .init(jid: Fixture.bob, subid: nil, state: nil), .init(jid: Fixture.carol.bare, subid: nil, state: .subscribed),
            ]), from: Fixture.alice)
        #expect(changed.error == nil)
        #expect(f.state.nodes["news"]!.subscriptions.map(\.jid) == [Fixture.carol.bare])
        #expect(changed.notifications.count == 2)
        let unknown = f.run(
            .manageSubscriptions(node: "news", changes: [.init(jid: Fixture.bob, subid: nil, state: nil)]), from: Fixture.alice)
        #expect(unknown.stanzaCondition == .notAcceptable)
    }

    @Test func ownersManageAffiliationsButKeepAnOwner() {
        var f = Fixture()
        f.create("news")
        f.run(.subscribe(node: "news", jid: Fixture.carol, options: nil), from: Fixture.carol)
        #expect(f.run(.manageAffiliations(node: "news", changes: nil), from: Fixture.bob).stanzaCondition == .forbidden)
        let changed = f.run(
            .manageAffiliations(node: "news", changes: [
                .init(jid: Fixture.bob.bare, affiliation: .publishOnly), .init(jid: Fixture.carol.bare, affiliation: .outcast),
            ]), from: Fixture.alice)
        #expect(changed.error == nil)
        #expect(f.state.nodes["news"]!.affiliation(of: Fixture.bob) == .publishOnly)
        #expect(f.state.nodes["news"]!.subscriptions.isEmpty)  // the outcast's subscription went
        // publish-only: may publish, may not read (§4.1).
        #expect(f.run(Fixture.publish("news"), from: Fixture.bob).error == nil)
        #expect(f.run(.items(node: "news", maxItems: nil, ids: [], page: nil), from: Fixture.bob).stanzaCondition == .forbidden)
        let list = f.run(.manageAffiliations(node: "news", changes: nil), from: Fixture.alice).payload?.firstChild(named: "affiliations")
        #expect(list?.elements.count == 3)
        let orphan = f.run(
            .manageAffiliations(node: "news", changes: [.init(jid: Fixture.alice.bare, affiliation: .none)]), from: Fixture.alice)
        #expect(orphan.stanzaCondition == .notAcceptable)
        #expect(f.state.nodes["news"]!.affiliation(of: Fixture.alice) == .owner)
    }
}
