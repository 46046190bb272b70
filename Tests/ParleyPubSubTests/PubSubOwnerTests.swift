import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyPubSub

/// XEP-0060 §8.1–§8.5: create, configure, default, delete, purge, with their errors.
@Suite struct PubSubOwnerTests {
    @Test func namedAndInstantNodesAreCreatedAndOwned() {
        var f = Fixture()
        let named = f.run(.create(node: "princely_musings", configuration: nil), from: Fixture.alice)
        #expect(named.payload?.firstChild(named: "create")?[attribute: "node"] == "princely_musings")
        #expect(named.changes == [.node("princely_musings")])
        #expect(f.state.nodes["princely_musings"]?.affiliation(of: Fixture.alice) == .owner)
        // §8.1.2: an instant node gets a generated id, named in the result.
        let instant = f.run(.create(node: nil, configuration: nil), from: Fixture.alice)
        #expect(instant.payload?.firstChild(named: "create")?[attribute: "node"] == "id-1")
        #expect(f.state.nodes["id-1"] != nil)
    }

    @Test func anExistingNodeIsAConflict() {
        var f = Fixture()
        f.create("news")
        let again = f.run(.create(node: "news", configuration: nil), from: Fixture.bob)
        #expect(again.stanzaCondition == .conflict)  // §8.1.3
        #expect(f.state.nodes["news"]?.affiliation(of: Fixture.bob) == Affiliation.none)
    }

    @Test(arguments: [
        "", "a\u{0}b", "line\nbreak", String(repeating: "x", count: 257), "../../etc/passwd", "a/../b", "..",
    ])
    func unacceptableNodeIDsAreRefused(id: String) {
        var f = Fixture()
        let outcome = f.run(.create(node: id, configuration: nil), from: Fixture.alice)
        #expect(outcome.stanzaCondition == .notAcceptable)
        #expect(f.state.nodes.isEmpty)
    }

    @Test func slashesAndDotsAreOrdinaryNames() {
        var f = Fixture()
        f.create("urn:xmpp:avatar:data")
        f.create("a/b/.hidden")
        #expect(f.state.nodes["a/b/.hidden"] != nil)
    }

    @Test func quotasPerOwnerAndServiceAreEnforced() {
        var f = Fixture(limits: PubSubLimits(maximumNodesPerOwner: 2, maximumNodes: 3))
        f.create("a")
        f.create("b")
        let third = f.run(.create(node: "c", configuration: nil), from: Fixture.alice)
        #expect(third.stanzaCondition == .notAllowed)
        #expect(third.pubsubCondition == .maxNodesExceeded)
        f.create("c", by: Fixture.bob)
        let full = f.run(.create(node: "d", configuration: nil), from: Fixture.carol)
        #expect(full.stanzaCondition == .resourceConstraint)
        #expect(f.state.nodes.count == 3)
    }

    @Test func createAndConfigureAppliesTheForm() {
        var f = Fixture()
        f.create("blog", ["pubsub#access_model": "whitelist", "pubsub#max_items": "5", "pubsub#title": "Blog"])
        let configuration = f.state.nodes["blog"]!.configuration
        #expect(configuration.accessModel == .whitelist)
        #expect(configuration.maxItems == 5)
        #expect(configuration.title == "Blog")
        // An unknown field refuses the creation (bad-request) and creates nothing.
        let bad = f.run(
            .create(node: "x", configuration: Fixture.form(PubSubNamespace.nodeConfig, ["pubsub#colour": "red"])),
            from: Fixture.alice)
        #expect(bad.stanzaCondition == .badRequest)
        #expect(f.state.nodes["x"] == nil)
    }

    @Test func configureReadsAndChangesTheFormForOwnersOnly() {
        var f = Fixture()
        f.create("news")
        let read = f.run(.configure(node: "news", submitted: nil), from: Fixture.alice)
        let form = try? DataForm(element: read.payload!.firstChild(named: "configure")!.firstChild(named: "x")!)
        #expect(form?.formType == PubSubNamespace.nodeConfig)
        #expect(form?.value(of: "pubsub#access_model") == "open")
        #expect(f.run(.configure(node: "news", submitted: nil), from: Fixture.bob).stanzaCondition == .forbidden)
        #expect(f.run(.configure(node: "nope", submitted: nil), from: Fixture.alice).stanzaCondition == .itemNotFound)
        let set = f.run(
            .configure(node: "news", submitted: Fixture.form(PubSubNamespace.nodeConfig, ["pubsub#publish_model": "open"])),
            from: Fixture.alice)
        #expect(set.error == nil)
        #expect(f.state.nodes["news"]!.configuration.publishModel == .open)
        let invalid = f.run(
            .configure(node: "news", submitted: Fixture.form(PubSubNamespace.nodeConfig, ["pubsub#max_items": "0"])),
            from: Fixture.alice)
        #expect(invalid.stanzaCondition == .notAcceptable)
        let unknown = f.run(
            .configure(node: "news", submitted: Fixture.form(PubSubNamespace.nodeConfig, ["pubsub#bogus": "1"])),
            from: Fixture.alice)
        #expect(unknown.stanzaCondition == .badRequest)
    }

    @Test func loweringMaxItemsDropsTheOldestAndNotifyConfigTellsSubscribers() {
        var f = Fixture()
        f.create("news", ["pubsub#notify_config": "1"])
        f.run(.subscribe(node: "news", jid: Fixture.bob.bare, options: nil), from: Fixture.bob)
        for n in 1...3 { f.run(Fixture.publish("news", id: "i\(n)"), from: Fixture.alice) }
        let outcome = f.run(
            .configure(node: "news", submitted: Fixture.form(PubSubNamespace.nodeConfig, ["pubsub#max_items": "1"])),
            from: Fixture.alice)
        #expect(f.state.nodes["news"]!.items.map(\.id) == ["i3"])
        #expect(outcome.changes.contains(.itemRemoved(node: "news", id: "i1")))
        #expect(outcome.notifications.map(\.to) == [Fixture.bob.bare])
        #expect(outcome.notifications.first?.payload.firstChild(named: "configuration")?[attribute: "node"] == "news")
    }

    @Test func defaultConfigurationIsTheServicesForm() {
        var f = Fixture()
        let outcome = f.run(.defaultConfiguration, from: Fixture.bob)
        let x = outcome.payload?.firstChild(named: "default")?.firstChild(named: "x")
        #expect(x.flatMap { try? DataForm(element: $0) }?.value(of: "pubsub#max_items") == "10")
    }

    @Test func deleteTellsSubscribersWithTheRedirect() {
        var f = Fixture()
        f.create("old")
        f.run(.subscribe(node: "old", jid: Fixture.bob, options: nil), from: Fixture.bob)
        #expect(f.run(.delete(node: "old", redirect: nil), from: Fixture.bob).stanzaCondition == .forbidden)
        let outcome = f.run(.delete(node: "old", redirect: "xmpp:pubsub.localhost?;node=new"), from: Fixture.alice)
        #expect(outcome.error == nil)
        #expect(outcome.changes == [.nodeRemoved("old")])
        #expect(f.state.nodes["old"] == nil)
        let delete = outcome.notifications.first?.payload.firstChild(named: "delete")
        #expect(outcome.notifications.first?.to == Fixture.bob)
        #expect(delete?[attribute: "node"] == "old")
        #expect(delete?.firstChild(named: "redirect")?[attribute: "uri"] == "xmpp:pubsub.localhost?;node=new")
        #expect(f.run(.delete(node: "old", redirect: nil), from: Fixture.alice).stanzaCondition == .itemNotFound)
    }

    @Test func purgeRemovesEveryItem() {
        var f = Fixture()
        f.create("news")
        f.create("transient", ["pubsub#persist_items": "0"])
        f.run(Fixture.publish("news", id: "a"), from: Fixture.alice)
        f.run(Fixture.publish("news", id: "b"), from: Fixture.alice)
        #expect(f.run(.purge(node: "news"), from: Fixture.bob).stanzaCondition == .forbidden)
        let outcome = f.run(.purge(node: "news"), from: Fixture.alice)
        #expect(f.state.nodes["news"]!.items.isEmpty)
        #expect(Set(outcome.changes) == [.itemRemoved(node: "news", id: "a"), .itemRemoved(node: "news", id: "b")])
        let transient = f.run(.purge(node: "transient"), from: Fixture.alice)
        #expect(transient.pubsubCondition == .unsupported)
        #expect(transient.error?.feature == "persistent-items")
    }
}
