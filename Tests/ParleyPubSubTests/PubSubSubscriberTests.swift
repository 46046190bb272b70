import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyPubSub

/// XEP-0060 §6: subscribe under each access model, unsubscribe, options, retrieve items.
@Suite struct PubSubSubscriberTests {
    @Test func subscribingToAnOpenNodeIsGrantedWithASubID() {
        var f = Fixture()
        f.create("news")
        let outcome = f.run(.subscribe(node: "news", jid: Fixture.bob.bare, options: nil), from: Fixture.bob)
        let subscription = outcome.payload?.firstChild(named: "subscription")
        #expect(subscription?[attribute: "subscription"] == "subscribed")
        #expect(subscription?[attribute: "subid"] == "id-1")
        #expect(subscription?[attribute: "jid"] == "bob@localhost")
        #expect(outcome.changes == [.node("news")])
        // Again: the same subscription, not a second one.
        f.run(.subscribe(node: "news", jid: Fixture.bob.bare, options: nil), from: Fixture.bob)
        #expect(f.state.nodes["news"]!.subscriptions.count == 1)
    }

    @Test func subscribeErrorsAreTheOnesTheXEPNames() {
        var f = Fixture()
        f.create("news")
        f.create("closed", ["pubsub#access_model": "whitelist"])
        // §6.1.3.1: another entity's JID.
        let other = f.run(.subscribe(node: "news", jid: Fixture.carol, options: nil), from: Fixture.bob)
        #expect(other.stanzaCondition == .badRequest && other.pubsubCondition == .invalidJID)
        // §6.1.3.4: not on the whitelist.
        let closed = f.run(.subscribe(node: "closed", jid: Fixture.bob, options: nil), from: Fixture.bob)
        #expect(closed.stanzaCondition == .notAllowed && closed.pubsubCondition == .closedNode)
        // §6.1.3.12: no such node.
        #expect(f.run(.subscribe(node: "nope", jid: Fixture.bob, options: nil), from: Fixture.bob).stanzaCondition == .itemNotFound)
        // §6.1.3.8: an outcast is blocked.
        f.run(.manageAffiliations(node: "news", changes: [.init(jid: Fixture.carol.bare, affiliation: .outcast)]), from: Fixture.alice)
        #expect(f.run(.subscribe(node: "news", jid: Fixture.carol, options: nil), from: Fixture.carol).stanzaCondition == .forbidden)
        // A member of a whitelist node may subscribe.
        f.run(.manageAffiliations(node: "closed", changes: [.init(jid: Fixture.bob.bare, affiliation: .member)]), from: Fixture.alice)
        #expect(f.run(.subscribe(node: "closed", jid: Fixture.bob, options: nil), from: Fixture.bob).error == nil)
    }

    @Test func presenceAndRosterModelsAskTheOwnersContactList() {
        var f = Fixture()
        f.create("mood", ["pubsub#access_model": "presence"])
        f.create("family", ["pubsub#access_model": "roster", "pubsub#roster_groups_allowed": "Family"])
        #expect(f.state.ownersNeedingFacts(for: .subscribe(node: "mood", jid: Fixture.bob, options: nil)) == [Fixture.alice.bare])
        let unknown = f.run(.subscribe(node: "mood", jid: Fixture.bob, options: nil), from: Fixture.bob)
        #expect(unknown.stanzaCondition == .notAuthorized && unknown.pubsubCondition == .presenceSubscriptionRequired)
        let facts = AccessFacts(lists: [
            Fixture.alice.bare: [
                Fixture.bob.bare: .init(seesOwnerPresence: true, groups: ["Family"]),
                Fixture.carol.bare: .init(seesOwnerPresence: false, groups: ["Work"]),
            ]
        ])
        #expect(f.run(.subscribe(node: "mood", jid: Fixture.bob, options: nil), from: Fixture.bob, facts: facts).error == nil)
        #expect(f.run(.subscribe(node: "mood", jid: Fixture.carol, options: nil), from: Fixture.carol, facts: facts)
            .pubsubCondition == .presenceSubscriptionRequired)
        #expect(f.run(.subscribe(node: "family", jid: Fixture.bob, options: nil), from: Fixture.bob, facts: facts).error == nil)
        let work = f.run(.subscribe(node: "family", jid: Fixture.carol, options: nil), from: Fixture.carol, facts: facts)
        #expect(work.stanzaCondition == .notAuthorized && work.pubsubCondition == .notInRosterGroup)
    }

    @Test func authorizeModelWaitsForTheOwnersApproval() throws {
        var f = Fixture()
        f.create("private", ["pubsub#access_model": "authorize"])
        let outcome = f.run(.subscribe(node: "private", jid: Fixture.bob, options: nil), from: Fixture.bob)
        #expect(outcome.payload?.firstChild(named: "subscription")?[attribute: "subscription"] == "pending")
        // §8.6: the owner gets the authorization form.
        let request = try #require(outcome.notifications.first)
        #expect(request.to == Fixture.alice.bare)
        var form = try DataForm(element: request.payload)
        #expect(form.formType == PubSubNamespace.subscribeAuthorization)
        #expect(form.value(of: "pubsub#subscriber_jid") == Fixture.bob.description)
        // §6.1.3.7: asking again while pending.
        #expect(f.run(.subscribe(node: "private", jid: Fixture.bob, options: nil), from: Fixture.bob)
            .pubsubCondition == .pendingSubscription)
        // §6.5: a pending subscriber may not read.
        #expect(f.run(.items(node: "private", maxItems: nil, ids: [], page: nil), from: Fixture.bob)
            .pubsubCondition == .notSubscribed)
        // Only an owner's answer counts.
        form.type = .submit
        form.fields = form.fields.map { field in
            var field = field
            if field.variable == "pubsub#allow" { field.values = ["1"] }
            return field
        }
        #expect(f.state.authorize(form, from: Fixture.carol).stanzaCondition == .forbidden)
        let approved = f.state.authorize(form, from: Fixture.alice)
        #expect(approved.error == nil)
        #expect(f.state.nodes["private"]!.subscriptions.first?.state == .subscribed)
        #expect(approved.notifications.first?.to == Fixture.bob)
        #expect(approved.notifications.first?.payload.firstChild(named: "subscription")?[attribute: "subscription"] == "subscribed")
        #expect(f.run(.items(node: "private", maxItems: nil, ids: [], page: nil), from: Fixture.bob).error == nil)
    }

    @Test func aDeniedRequestRemovesThePendingSubscription() throws {
        var f = Fixture()
        f.create("private", ["pubsub#access_model": "authorize"])
        let outcome = f.run(.subscribe(node: "private", jid: Fixture.bob, options: nil), from: Fixture.bob)
        var form = try DataForm(element: outcome.notifications[0].payload)
        form.type = .submit
        let denied = f.state.authorize(form, from: Fixture.alice)  // pubsub#allow stays 0
        #expect(f.state.nodes["private"]!.subscriptions.isEmpty)
        #expect(denied.notifications.first?.payload.firstChild(named: "subscription")?[attribute: "subscription"] == "none")
    }

    @Test func unsubscribeAndItsErrors() {
        var f = Fixture()
        f.create("news")
        f.run(.subscribe(node: "news", jid: Fixture.bob, options: nil), from: Fixture.bob)
        // §6.2.3.3: someone else's subscription.
        #expect(f.run(.unsubscribe(node: "news", jid: Fixture.bob, subid: nil), from: Fixture.carol).stanzaCondition == .forbidden)
        // §6.2.3.5: a SubID that is not this subscription's.
        let wrong = f.run(.unsubscribe(node: "news", jid: Fixture.bob, subid: "nope"), from: Fixture.bob)
        #expect(wrong.stanzaCondition == .notAcceptable && wrong.pubsubCondition == .invalidSubid)
        #expect(f.run(.unsubscribe(node: "news", jid: Fixture.bob, subid: nil), from: Fixture.bob).error == nil)
        #expect(f.state.nodes["news"]!.subscriptions.isEmpty)
        // §6.2.3.2: not subscribed.
        let again = f.run(.unsubscribe(node: "news", jid: Fixture.bob, subid: nil), from: Fixture.bob)
        #expect(again.stanzaCondition == .unexpectedRequest && again.pubsubCondition == .notSubscribed)
        #expect(again.error?.stanza.type == .cancel)  // §6.2.3.2
    }

    @Test func subscriptionOptionsReadAndSubmitted() throws {
        var f = Fixture()
        f.create("news")
        f.run(.subscribe(node: "news", jid: Fixture.bob, options: nil), from: Fixture.bob)
        let read = f.run(.options(node: "news", jid: Fixture.bob, subid: nil, submitted: nil), from: Fixture.bob)
        let x = try #require(read.payload?.firstChild(named: "options")?.firstChild(named: "x"))
        #expect(try DataForm(element: x).value(of: "pubsub#deliver") == "1")
        let off = Fixture.form(PubSubNamespace.subscribeOptions, ["pubsub#deliver": "0"])
        #expect(f.run(.options(node: "news", jid: Fixture.bob, subid: nil, submitted: off), from: Fixture.bob).error == nil)
        // Delivery off: a publication reaches nobody.
        #expect(f.run(Fixture.publish("news"), from: Fixture.alice).notifications.isEmpty)
        let bad = Fixture.form(PubSubNamespace.subscribeOptions, ["pubsub#digest": "1"])
        let refused = f.run(.options(node: "news", jid: Fixture.bob, subid: nil, submitted: bad), from: Fixture.bob)
        #expect(refused.stanzaCondition == .badRequest && refused.pubsubCondition == .invalidOptions)
        #expect(f.run(.options(node: "news", jid: Fixture.carol, subid: nil, submitted: nil), from: Fixture.carol)
            .pubsubCondition == .notSubscribed)
    }

    @Test func itemsAllNewestByIDAndPaged() throws {
        var f = Fixture()
        f.create("news")
        for n in 1...5 { f.run(Fixture.publish("news", id: "i\(n)", "text \(n)"), from: Fixture.alice) }
        func ids(_ outcome: PubSubOutcome) -> [String] {
            outcome.payload?.firstChild(named: "items")?.elements.compactMap { $0[attribute: "id"] } ?? []
        }
        let all = f.run(.items(node: "news", maxItems: nil, ids: [], page: nil), from: Fixture.bob)
        #expect(ids(all) == ["i1", "i2", "i3", "i4", "i5"])
        #expect(all.payload?.firstChild(named: "items")?.elements.first?.firstChild(named: "entry")?.text == "text 1")
        #expect(ids(f.run(.items(node: "news", maxItems: 2, ids: [], page: nil), from: Fixture.bob)) == ["i4", "i5"])
        #expect(ids(f.run(.items(node: "news", maxItems: nil, ids: ["i3"], page: nil), from: Fixture.bob)) == ["i3"])
        // §6.5.9.12: items not there are left out, an empty result when none is.
        let none = f.run(.items(node: "news", maxItems: nil, ids: ["zz"], page: nil), from: Fixture.bob)
        #expect(none.error == nil && ids(none).isEmpty)
        // XEP-0059: two at a time, then the next two after the last one seen.
        let first = f.run(.items(node: "news", maxItems: nil, ids: [], page: ResultSetRequest(max: 2)), from: Fixture.bob)
        #expect(ids(first) == ["i1", "i2"])
        let set = try #require(first.payload?.firstChild(named: "set", namespace: PubSubNamespace.rsm))
        #expect(set.firstChild(named: "count")?.text == "5")
        #expect(set.firstChild(named: "last")?.text == "i2")
        let next = f.run(.items(node: "news", maxItems: nil, ids: [], page: ResultSetRequest(max: 2, after: "i2")), from: Fixture.bob)
        #expect(ids(next) == ["i3", "i4"])
        let last = f.run(.items(node: "news", maxItems: nil, ids: [], page: ResultSetRequest(max: 2, before: "")), from: Fixture.bob)
        #expect(ids(last) == ["i4", "i5"])
    }

    @Test func whitelistNodesRefuseStrangersTheirItems() {
        var f = Fixture()
        f.create("closed", ["pubsub#access_model": "whitelist"])
        let outcome = f.run(.items(node: "closed", maxItems: nil, ids: [], page: nil), from: Fixture.bob)
        #expect(outcome.stanzaCondition == .notAllowed && outcome.pubsubCondition == .closedNode)
        #expect(f.run(.items(node: "closed", maxItems: nil, ids: [], page: nil), from: Fixture.alice).error == nil)
    }

    @Test func sendLastPublishedItemOnSubscribe() {
        var f = Fixture()
        f.create("status", ["pubsub#send_last_published_item": "on_sub"])
        f.run(Fixture.publish("status", id: "s1", "away"), from: Fixture.alice)
        f.run(Fixture.publish("status", id: "s2", "back"), from: Fixture.alice)
        let outcome = f.run(.subscribe(node: "status", jid: Fixture.bob, options: nil), from: Fixture.bob)
        let item = outcome.notifications.first?.payload.firstChild(named: "items")?.firstChild(named: "item")
        #expect(outcome.notifications.count == 1)
        #expect(item?[attribute: "id"] == "s2")
        // §6.1.7: sent after the fact, with when it was published (an XEP-0203 delay).
        #expect(outcome.notifications.first?.delay == f.state.nodes["status"]?.items.last?.published)
        // Live events carry none.
        let live = f.run(Fixture.publish("status", id: "s3", "again"), from: Fixture.alice)
        #expect(live.notifications.count == 1 && live.notifications.first?.delay == nil)
    }
}
