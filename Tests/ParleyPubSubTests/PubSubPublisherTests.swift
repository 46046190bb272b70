import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyPubSub

/// XEP-0060 §7: publish (with and without payload, preconditions, limits) and retract.
@Suite struct PubSubPublisherTests {
    @Test func publishingNotifiesSubscribersWithThePayload() throws {
        var f = Fixture()
        f.create("news")
        f.run(.subscribe(node: "news", jid: Fixture.bob.bare, options: nil), from: Fixture.bob)
        let outcome = f.run(Fixture.publish("news", id: "first", "hello"), from: Fixture.alice)
        #expect(outcome.payload?.firstChild(named: "publish")?.firstChild(named: "item")?[attribute: "id"] == "first")
        #expect(outcome.changes == [.item(node: "news", id: "first")])
        let notification = try #require(outcome.notifications.first)
        #expect(notification.to == Fixture.bob.bare)
        #expect(notification.type == .headline)
        let item = notification.payload.firstChild(named: "items", namespace: PubSubNamespace.event)?.firstChild(named: "item")
        #expect(item?[attribute: "id"] == "first")
        #expect(item?.firstChild(named: "entry")?.text == "hello")
        // An item without an id gets one.
        let generated = f.run(Fixture.publish("news"), from: Fixture.alice)
        #expect(generated.payload?.firstChild(named: "publish")?.firstChild(named: "item")?[attribute: "id"] == "id-2")
    }

    @Test func notificationTypeAndDeliverPayloadsShapeTheEvent() {
        var f = Fixture()
        f.create("quiet", ["pubsub#deliver_payloads": "0", "pubsub#notification_type": "normal"])
        f.run(.subscribe(node: "quiet", jid: Fixture.bob, options: nil), from: Fixture.bob)
        let outcome = f.run(Fixture.publish("quiet", id: "x"), from: Fixture.alice)
        let item = outcome.notifications.first?.payload.firstChild(named: "items")?.firstChild(named: "item")
        #expect(outcome.notifications.first?.type == .normal)
        #expect(item?[attribute: "id"] == "x")
        #expect(item?.elements.isEmpty == true)
        // The item is still stored with its payload.
        #expect(f.state.nodes["quiet"]!.item("x")?.payload != nil)
    }

    @Test func publishWithoutPayloadOnANotificationOnlyNode() {
        var f = Fixture()
        f.create("pings", ["pubsub#persist_items": "0", "pubsub#deliver_payloads": "0"])
        f.run(.subscribe(node: "pings", jid: Fixture.bob, options: nil), from: Fixture.bob)
        let bare = f.run(.publish(node: "pings", items: [], options: nil), from: Fixture.alice)
        #expect(bare.error == nil)
        #expect(bare.notifications.count == 1)
        #expect(bare.changes.isEmpty)
        #expect(f.state.nodes["pings"]!.items.isEmpty)
        // §7.1.3.6: a payload is forbidden there, and required on a normal node.
        #expect(f.run(Fixture.publish("pings"), from: Fixture.alice).pubsubCondition == .itemForbidden)
        f.create("news")
        #expect(f.run(.publish(node: "news", items: [], options: nil), from: Fixture.alice).pubsubCondition == .itemRequired)
        #expect(f.run(Fixture.publish("news", nil), from: Fixture.alice).pubsubCondition == .payloadRequired)
    }

    @Test func publishErrors() {
        var f = Fixture(limits: PubSubLimits(maximumPayloadBytes: 1024))
        f.create("news")
        // §7.1.3.1: no publisher affiliation under the publishers model.
        #expect(f.run(Fixture.publish("news"), from: Fixture.bob).stanzaCondition == .forbidden)
        // §7.1.3.3
        #expect(f.run(Fixture.publish("nope"), from: Fixture.alice).stanzaCondition == .itemNotFound)
        // §7.1.3.4
        let big = f.run(Fixture.publish("news", String(repeating: "x", count: 2000)), from: Fixture.alice)
        #expect(big.stanzaCondition == .notAcceptable && big.pubsubCondition == .payloadTooBig)
        #expect(f.state.nodes["news"]!.items.isEmpty)
        // A publisher affiliation grants it; an open model grants anyone.
        f.run(.manageAffiliations(node: "news", changes: [.init(jid: Fixture.bob.bare, affiliation: .publisher)]), from: Fixture.alice)
        #expect(f.run(Fixture.publish("news"), from: Fixture.bob).error == nil)
        f.create("wall", ["pubsub#publish_model": "open"])
        #expect(f.run(Fixture.publish("wall"), from: Fixture.carol).error == nil)
        f.create("club", ["pubsub#publish_model": "subscribers"])
        #expect(f.run(Fixture.publish("club"), from: Fixture.carol).stanzaCondition == .forbidden)
        f.run(.subscribe(node: "club", jid: Fixture.carol, options: nil), from: Fixture.carol)
        #expect(f.run(Fixture.publish("club"), from: Fixture.carol).error == nil)
    }

    @Test func publishOptionsPreconditions() {
        var f = Fixture()
        f.create("bookmarks", ["pubsub#access_model": "whitelist"])
        let matching = Fixture.form(PubSubNamespace.publishOptions, ["pubsub#access_model": "whitelist"])
        #expect(f.run(Fixture.publish("bookmarks", options: matching), from: Fixture.alice).error == nil)
        let other = Fixture.form(PubSubNamespace.publishOptions, ["pubsub#access_model": "open"])
        let refused = f.run(Fixture.publish("bookmarks", id: "no", options: other), from: Fixture.alice)
        #expect(refused.stanzaCondition == .conflict && refused.pubsubCondition == .preconditionNotMet)
        #expect(f.state.nodes["bookmarks"]!.item("no") == nil)
    }

    @Test func maxItemsKeepsTheNewestAndAnIDReplaces() {
        var f = Fixture()
        f.create("news", ["pubsub#max_items": "2"])
        f.run(Fixture.publish("news", id: "a", "1"), from: Fixture.alice)
        f.run(Fixture.publish("news", id: "b", "2"), from: Fixture.alice)
        let third = f.run(Fixture.publish("news", id: "c", "3"), from: Fixture.alice)
        #expect(f.state.nodes["news"]!.items.map(\.id) == ["b", "c"])
        #expect(third.changes == [.item(node: "news", id: "c"), .itemRemoved(node: "news", id: "a")])
        f.run(Fixture.publish("news", id: "b", "2 again"), from: Fixture.alice)
        #expect(f.state.nodes["news"]!.items.map(\.id) == ["c", "b"])
        #expect(f.state.nodes["news"]!.item("b")?.payload?.text == "2 again")
    }

    @Test func retractRemovesAndNotifies() {
        var f = Fixture()
        f.create("news", ["pubsub#notify_retract": "0"])
        f.run(.subscribe(node: "news", jid: Fixture.bob, options: nil), from: Fixture.bob)
        f.run(Fixture.publish("news", id: "a"), from: Fixture.alice)
        f.run(Fixture.publish("news", id: "b"), from: Fixture.alice)
        #expect(f.run(.retract(node: "news", ids: ["a"], notify: false), from: Fixture.bob).stanzaCondition == .forbidden)
        #expect(f.run(.retract(node: "news", ids: [], notify: false), from: Fixture.alice).pubsubCondition == .itemRequired)
        #expect(f.run(.retract(node: "news", ids: ["zz"], notify: false), from: Fixture.alice).stanzaCondition == .itemNotFound)
        let quiet = f.run(.retract(node: "news", ids: ["a"], notify: false), from: Fixture.alice)
        #expect(quiet.notifications.isEmpty)
        #expect(quiet.changes == [.itemRemoved(node: "news", id: "a")])
        let told = f.run(.retract(node: "news", ids: ["b"], notify: true), from: Fixture.alice)
        #expect(told.notifications.first?.payload.firstChild(named: "items")?.firstChild(named: "retract")?[attribute: "id"] == "b")
        #expect(f.state.nodes["news"]!.items.isEmpty)
    }
    /// §7.1.3.6's event types: a persistent notification-only node takes an item without a
    /// payload; a transient payload node needs the payload; a node that keeps nothing has
    /// nothing to retract or retrieve (§7.2.3.5, §6.5.9.4).
    @Test func eventTypesDecideWhatAPublishCarries() {
        var f = Fixture()
        f.create("marks", ["pubsub#deliver_payloads": "0"])
        let mark = f.run(.publish(node: "marks", items: [.init(id: "m", payload: nil)], options: nil), from: Fixture.alice)
        #expect(mark.error == nil && f.state.nodes["marks"]!.item("m") != nil)
        #expect(f.run(.publish(node: "marks", items: [], options: nil), from: Fixture.alice).pubsubCondition == .itemRequired)
        f.create("live", ["pubsub#persist_items": "0"])
        let empty = f.run(.publish(node: "live", items: [.init(id: nil, payload: nil)], options: nil), from: Fixture.alice)
        #expect(empty.pubsubCondition == .payloadRequired)
        let sent = f.run(Fixture.publish("live", id: "x"), from: Fixture.alice)
        #expect(sent.error == nil && sent.changes.isEmpty && f.state.nodes["live"]!.items.isEmpty)
        let retract = f.run(.retract(node: "live", ids: ["x"], notify: false), from: Fixture.alice)
        #expect(retract.stanzaCondition == .featureNotImplemented && retract.error?.feature == "persistent-items")
        let items = f.run(.items(node: "live", maxItems: nil, ids: [], page: nil), from: Fixture.alice)
        #expect(items.pubsubCondition == .unsupported && items.error?.feature == "persistent-items")
    }

    /// The service-wide quota on stored payload bytes: a publish that would grow past it is
    /// refused (resource-constraint); replacing an item with a smaller one still works.
    @Test func theServiceWideQuotaBoundsStoredPayloads() {
        var f = Fixture(limits: PubSubLimits(maximumPayloadBytes: 64 * 1024, maximumStoredBytes: 64 * 1024))
        f.create("big")
        let chunk = String(repeating: "x", count: 30_000)
        #expect(f.run(Fixture.publish("big", id: "1", chunk), from: Fixture.alice).error == nil)
        #expect(f.run(Fixture.publish("big", id: "2", chunk), from: Fixture.alice).error == nil)
        let over = f.run(Fixture.publish("big", id: "3", chunk), from: Fixture.alice)
        #expect(over.stanzaCondition == .resourceConstraint && over.changes.isEmpty)
        #expect(f.state.nodes["big"]!.items.map(\.id) == ["1", "2"])
        #expect(f.run(Fixture.publish("big", id: "2", "small"), from: Fixture.alice).error == nil)
        #expect(f.run(.purge(node: "big"), from: Fixture.alice).error == nil)
        #expect(f.state.storedBytes == 0)
        #expect(f.run(Fixture.publish("big", id: "3", chunk), from: Fixture.alice).error == nil)
    }

    /// §12.10: several items in one request, all or none; more than max_items at once is
    /// not-allowed + max-items-exceeded.
    @Test func batchesPublishWholeOrNotAtAll() {
        var f = Fixture()
        f.create("news", ["pubsub#max_items": "3"])
        f.run(.subscribe(node: "news", jid: Fixture.bob.bare, options: nil), from: Fixture.bob)
        f.run(Fixture.publish("news", id: "old", "0"), from: Fixture.alice)
        let batch = f.run(
            .publish(node: "news", items: [.init(id: "a", payload: Fixture.entry("1")), .init(id: nil, payload: Fixture.entry("2"))],
                options: nil),
            from: Fixture.alice)
        #expect(batch.payload?.firstChild(named: "publish")?.elements.map { $0[attribute: "id"] } == ["a", "id-2"])
        #expect(batch.notifications.count == 2)
        #expect(f.state.nodes["news"]!.items.map(\.id) == ["old", "a", "id-2"])
        // One bad item refuses the whole batch.
        let bad = f.run(
            .publish(node: "news", items: [.init(id: "b", payload: Fixture.entry("3")), .init(id: "c", payload: nil)], options: nil),
            from: Fixture.alice)
        #expect(bad.pubsubCondition == .payloadRequired && bad.changes.isEmpty && bad.notifications.isEmpty)
        #expect(f.state.nodes["news"]!.item("b") == nil)
        let many = f.run(
            .publish(node: "news", items: (1...4).map { .init(id: "m\($0)", payload: Fixture.entry("x")) }, options: nil),
            from: Fixture.alice)
        #expect(many.stanzaCondition == .notAllowed && many.pubsubCondition == .maxItemsExceeded)
        // A full batch pushes the old items out.
        let full = f.run(
            .publish(node: "news", items: (1...3).map { .init(id: "m\($0)", payload: Fixture.entry("x")) }, options: nil),
            from: Fixture.alice)
        #expect(f.state.nodes["news"]!.items.map(\.id) == ["m1", "m2", "m3"])
        #expect(full.changes.filter { if case .itemRemoved = $0 { true } else { false } }.count == 3)
    }
}
