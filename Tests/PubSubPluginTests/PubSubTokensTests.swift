import Foundation
import ParleyCred
import ParleyPubSub
import ParleyXMPP
import Testing

@testable import PubSubPlugin

/// Per-node publishing tokens: one per node, only the digest on disk, kept across a
/// restart, replaced, revoked, and dead with the node they were made for.
@Suite struct PubSubTokensTests {
    let directory = NSTemporaryDirectory() + "pubsub-tokens-\(UUID().uuidString)"
    let alice = JID("alice@localhost")!

    func node(_ id: String, created: TimeInterval = 1_800_000_000) -> PubSubNode {
        PubSubNode(
            id: id, configuration: NodeConfiguration(), creator: alice, created: Date(timeIntervalSince1970: created))
    }

    func tokens() throws -> PubSubTokens {
        try PubSubTokens(store: try FlatFileSettingsStore(directory: directory, kind: "pubsub-token"))
    }

    @Test func aTokenPublishesAsItsOwnerOnItsNodeOnly() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try tokens()
        let news = node("news/a b"), other = node("other")
        let token = try store.issue(for: news, owner: JID("alice@localhost/desk")!)
        #expect(token.count == 43 && !token.contains("=") && !token.contains("+") && !token.contains("/"))
        #expect(store.owner(presenting: token, for: news) == alice, "the bare JID")
        #expect(store.owner(presenting: token, for: other) == nil)
        #expect(store.owner(presenting: token + "x", for: news) == nil)
        #expect(store.owner(presenting: token, for: node("news/a b", created: 1_800_000_100)) == nil, "a new node of that name")

        // Only the digest is written; a restart reads it back.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        let text = try files.map { try String(contentsOfFile: "\(directory)/\($0)", encoding: .utf8) }.joined()
        #expect(!text.contains(token) && text.contains(PubSubTokens.digest(token)) && text.contains("node = news/a b"))
        #expect(try tokens().owner(presenting: token, for: news) == alice)

        // A new token replaces the old one; revoking forgets it, on disk too.
        let second = try store.issue(for: news, owner: alice)
        #expect(store.owner(presenting: token, for: news) == nil && store.owner(presenting: second, for: news) == alice)
        try store.revoke(news.id)
        #expect(store.owner(presenting: second, for: news) == nil)
        #expect(try tokens().owner(presenting: second, for: news) == nil)
    }
}
