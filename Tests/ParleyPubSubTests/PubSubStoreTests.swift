import Foundation
import ParleyCred
import ParleyXML
import ParleyXMPP
import Testing

@testable import ParleyPubSub
@testable import ParleyPubSubStore

/// The store: what the service holds comes back after a restart; ids that look like path
/// tricks never reach the disk; what a crash leaves half written is never read.
@Suite struct PubSubStoreTests {
    /// A fresh directory, removed afterwards.
    final class Scratch {
        let path = NSTemporaryDirectory() + "pubsub-store-\(UUID().uuidString)"
        deinit { try? FileManager.default.removeItem(atPath: path) }
        var entries: [String] { (try? FileManager.default.subpathsOfDirectory(atPath: path))?.sorted() ?? [] }
    }

    /// Runs `request` and writes its changes, as the component's shell does.
    @discardableResult
    static func run(_ f: inout Fixture, _ request: PubSubRequest, from who: JID, store: PubSubStore) throws
        -> PubSubOutcome
    {
        let outcome = f.run(request, from: who)
        try store.apply(outcome.changes, from: f.state)
        return outcome
    }

    @Test func nodesItemsAndSubscriptionsSurviveARestart() throws {
        let scratch = Scratch()
        let store = try PubSubStore(directory: scratch.path, limits: PubSubLimits())
        var f = Fixture()
        let form = Fixture.form(PubSubNamespace.nodeConfig, ["pubsub#max_items": "2", "pubsub#title": "News, daily"])
        try Self.run(&f, .create(node: "urn:xmpp:news/daily", configuration: form), from: Fixture.alice, store: store)
        try Self.run(&f, .subscribe(node: "urn:xmpp:news/daily", jid: Fixture.bob, options: nil), from: Fixture.bob, store: store)
        try Self.run(
            &f, .manageAffiliations(node: "urn:xmpp:news/daily", changes: [.init(jid: Fixture.carol.bare, affiliation: .publisher)]),
            from: Fixture.alice, store: store)
        for (id, text) in [("a", "first"), ("b", "second\nline"), ("c", "third & <last>")] {
            try Self.run(&f, Fixture.publish("urn:xmpp:news/daily", id: id, text), from: Fixture.alice, store: store)
        }
        // One folder per node, named by the encoding; max_items bounds the files too.
        #expect(scratch.entries.contains("urn%3Axmpp%3Anews%2Fdaily/node.conf"))
        #expect(scratch.entries.filter { $0.hasPrefix("urn%3Axmpp%3Anews%2Fdaily/items/") }
            == ["urn%3Axmpp%3Anews%2Fdaily/items/b.conf", "urn%3Axmpp%3Anews%2Fdaily/items/c.conf"])
        let text = try String(contentsOfFile: scratch.path + "/urn%3Axmpp%3Anews%2Fdaily/node.conf", encoding: .utf8)
        #expect(text.hasPrefix("# parley-pubsub-node 1\n"))
        #expect(text.contains("title = News, daily\n"))

        let reopened = try PubSubStore(directory: scratch.path, limits: PubSubLimits())
        let loaded = PubSubService(jid: Fixture.service, nodes: try reopened.load())
        #expect(loaded.nodes == f.state.nodes)
        #expect(loaded.storedBytes == f.state.storedBytes)
        #expect(loaded.nodes["urn:xmpp:news/daily"]?.item("c")?.payload?.text == "third & <last>")
    }

    @Test func retractPurgeAndDeleteRemoveTheirFiles() throws {
        let scratch = Scratch()
        let store = try PubSubStore(directory: scratch.path, limits: PubSubLimits())
        var f = Fixture()
        try Self.run(&f, .create(node: "news", configuration: nil), from: Fixture.alice, store: store)
        for id in ["a", "b", "c"] { try Self.run(&f, Fixture.publish("news", id: id), from: Fixture.alice, store: store) }
        try Self.run(&f, .retract(node: "news", ids: ["b"], notify: false), from: Fixture.alice, store: store)
        #expect(scratch.entries == ["news", "news/items", "news/items/a.conf", "news/items/c.conf", "news/node.conf"])
        try Self.run(&f, .purge(node: "news"), from: Fixture.alice, store: store)
        #expect(scratch.entries == ["news", "news/items", "news/node.conf"])
        try Self.run(&f, .delete(node: "news", redirect: nil), from: Fixture.alice, store: store)
        #expect(scratch.entries.isEmpty)
        #expect(try PubSubStore(directory: scratch.path, limits: PubSubLimits()).load().isEmpty)
    }

    /// What a kill -9 in the middle of a write leaves: a temporary file beside the real
    /// one (or alone, for a node whose creation was cut short). None of it is read.
    @Test func tornTemporaryFilesAreIgnoredAtLoad() throws {
        let scratch = Scratch()
        let store = try PubSubStore(directory: scratch.path, limits: PubSubLimits())
        var f = Fixture()
        try Self.run(&f, .create(node: "news", configuration: nil), from: Fixture.alice, store: store)
        try Self.run(&f, Fixture.publish("news", id: "a", "kept"), from: Fixture.alice, store: store)
        let torn = "# parley-pubsub-node 1\nid = news\naccess-model = wh"
        try torn.write(toFile: scratch.path + "/news/node.conf.tmp-4242-0a1b2c3d4e5f", atomically: false, encoding: .utf8)
        try "# parley-pubsub-item 1\nid = a\npayload = <entry xmlns='x'>cu"
            .write(toFile: scratch.path + "/news/items/a.conf.tmp-4242-abcdef012345", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: scratch.path + "/half", withIntermediateDirectories: false)
        try torn.write(toFile: scratch.path + "/half/node.conf.tmp-4242-000000000000", atomically: false, encoding: .utf8)

        let loaded = try PubSubStore(directory: scratch.path, limits: PubSubLimits()).load()
        #expect(loaded.map(\.id) == ["news"])
        #expect(loaded.first?.configuration.accessModel == .open)
        #expect(loaded.first?.items.map { $0.payload?.text } == ["kept"])
    }

    /// A file that does not read back stops the load, naming the file.
    @Test func aCorruptFileIsNamed() throws {
        let scratch = Scratch()
        let store = try PubSubStore(directory: scratch.path, limits: PubSubLimits())
        var f = Fixture()
        try Self.run(&f, .create(node: "news", configuration: nil), from: Fixture.alice, store: store)
        try Self.run(&f, Fixture.publish("news", id: "a"), from: Fixture.alice, store: store)
        let path = scratch.path + "/news/items/a.conf"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "payload = <entry", with: "payload = <<entry")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try store.load()
        } throws: { error in
            guard case .store(let inner) = error as? PubSubStoreError else { return false }
            return inner.path == path
        }
    }

    /// `../`, NUL and 10,000 bytes: refused by the service and by the store, and nothing
    /// is created on disk (not even a folder).
    @Test func pathTricksNeverReachTheDisk() throws {
        let scratch = Scratch()
        let store = try PubSubStore(directory: scratch.path, limits: PubSubLimits())
        var f = Fixture()
        let hostile = ["../escape", "a/../../b", "..", "nul\u{0}byte", String(repeating: "x", count: 10_000)]
        for id in hostile {
            let outcome = try Self.run(&f, .create(node: id, configuration: nil), from: Fixture.alice, store: store)
            #expect(outcome.stanzaCondition == .notAcceptable)
            #expect(outcome.changes.isEmpty)
            #expect(throws: PubSubStoreError.unacceptableID(id)) { try store.apply([.node(id)], from: f.state) }
            #expect(throws: PubSubStoreError.unacceptableID(id)) { try store.apply([.nodeRemoved(id)], from: f.state) }
            #expect(throws: PubSubStoreError.unacceptableID(id)) {
                try store.apply([.item(node: "news", id: id)], from: f.state)
            }
        }
        #expect(scratch.entries.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "escape"))
        // A slash alone is fine: it is encoded, never a path.
        try Self.run(&f, .create(node: "a/b", configuration: nil), from: Fixture.alice, store: store)
        #expect(scratch.entries == ["a%2Fb", "a%2Fb/node.conf"])
    }

    @Test func recordsReadBack() throws {
        var node = PubSubNode(
            id: "n", configuration: NodeConfiguration(), creator: Fixture.alice, created: Fixture.now,
            affiliations: [Fixture.alice.bare: .owner, Fixture.bob.bare: .outcast],
            subscriptions: [NodeSubscription(jid: Fixture.carol, subid: "s1", state: .pending, deliver: false)])
        node.configuration.rosterGroupsAllowed = ["friends", "family"]
        node.configuration.accessModel = .roster
        #expect(try PubSubRecords.node(from: PubSubRecords.record(of: node), maximumItems: 100) == node)
        let item = PublishedItem(id: "i", publisher: Fixture.bob.bare, published: Fixture.now, payload: Fixture.entry("x"))
        let back = try PubSubRecords.item(from: PubSubRecords.record(of: item, order: 7))
        #expect(back.item == item && back.order == 7)
        #expect(throws: PubSubRecords.Invalid.self) { try PubSubRecords.node(from: ["id": "n"], maximumItems: 100) }
    }
}
