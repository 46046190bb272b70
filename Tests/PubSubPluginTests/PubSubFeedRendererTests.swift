import Foundation
import ParleyPubSub
import ParleyXML
import ParleyXMPP
import Testing

@testable import PubSubPlugin

/// The HTTP face's renderings: JSON, Atom with hostile payloads, server-sent events.
@Suite struct PubSubFeedRendererTests {
    static let atom = "http://www.w3.org/2005/Atom"
    static let hostileText = "<script>alert(1)</script> & ]]> \"'"

    /// A payload a publisher controls: markup that a careless feed would pass on as markup.
    static var hostilePayload: XMLElement {
        get throws {
            try XMLStreamParser.parseDocument(
                "<entry xmlns='http://www.w3.org/2005/Atom'><title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"
                    + "<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><script>alert(2)</script>"
                    + "<a href='javascript:alert(3)' onclick='x()'>x</a></div></content></entry>")
        }
    }

    static func item(_ id: String, _ payload: XMLElement?, at seconds: TimeInterval) -> PublishedItem {
        PublishedItem(
            id: id, publisher: JID("alice@localhost")!, published: Date(timeIntervalSince1970: seconds), payload: payload)
    }

    static func node(_ items: [PublishedItem], title: String = "") -> PubSubNode {
        var configuration = NodeConfiguration()
        configuration.title = title
        return PubSubNode(
            id: "news/2026 é", configuration: configuration, creator: JID("alice@localhost")!,
            created: Date(timeIntervalSince1970: 1_800_000_000), items: items)
    }

    @Test func jsonListsTheItemsNewestFirstWithThePayloadAsText() throws {
        let payload = try Self.hostilePayload
        let bytes = PubSubFeedRenderer.json(
            node: "news", items: [Self.item("old", nil, at: 1_800_000_000), Self.item("new", payload, at: 1_800_000_060)])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["node"] as? String == "news")
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items.map { $0["id"] as? String } == ["new", "old"])
        #expect(items[0]["publisher"] as? String == "alice@localhost")
        #expect(items[0]["published"] as? String == "2027-01-15T08:01:00Z")
        #expect(items[0]["payload"] as? String == payload.xmlString)
        #expect(items[1]["payload"] is NSNull, "an item without a payload has null")
        // The JSON reads back as the same tree: nothing of the payload was lost or re-parsed.
        #expect(try XMLStreamParser.parseDocument(try #require(items[0]["payload"] as? String)) == payload)
    }

    @Test func atomCarriesHostilePayloadsAsEscapedTextOnly() throws {
        let payload = try Self.hostilePayload
        let bytes = PubSubFeedRenderer.atom(
            Self.node([Self.item("a<b", payload, at: 1_800_000_000), Self.item("2", nil, at: 1_800_000_060)],
                title: Self.hostileText), service: "pubsub.localhost")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("<script") && !text.contains("<a ") && !text.contains("<div"), "\(text)")
        // The feed parses; its only elements are Atom's, and the payload comes back as text.
        let feed = try XMLStreamParser.parseDocument(bytes)
        #expect(feed.name == "feed" && feed.namespace == Self.atom)
        var names: Set<String> = []
        func walk(_ element: XMLElement) {
            names.insert("{\(element.namespace)}\(element.name)")
            element.elements.forEach(walk)
        }
        walk(feed)
        #expect(
            names
                == Set(
                    ["feed", "id", "title", "updated", "author", "name", "generator", "entry", "published", "content"]
                        .map { "{\(Self.atom)}\($0)" }))
        #expect(feed.firstChild(named: "title")?.text == Self.hostileText)
        #expect(feed.firstChild(named: "id")?.text == "xmpp:pubsub.localhost?;node=news%2F2026%20%C3%A9")
        #expect(feed.firstChild(named: "updated")?.text == "2027-01-15T08:01:00Z")
        let entries = feed.elements.filter { $0.name == "entry" }
        #expect(entries.map { $0.firstChild(named: "title")?.text } == ["2", "a<b"], "newest first")
        #expect(entries[1].firstChild(named: "id")?.text == "xmpp:pubsub.localhost?;node=news%2F2026%20%C3%A9;item=a%3Cb")
        let content = try #require(entries[1].firstChild(named: "content"))
        #expect(content.attribute("type") == "text" && content.elements.isEmpty)
        #expect(try XMLStreamParser.parseDocument(content.text) == payload)
        #expect(entries[1].firstChild(named: "author")?.firstChild(named: "name")?.text == "alice@localhost")
        #expect(entries[0].firstChild(named: "content")?.text == "", "no payload: empty text content")
    }

    @Test func anEventIsOneEventLineAndOneDataLine() throws {
        let payload = try XMLStreamParser.parseDocument("<x xmlns='urn:x'>line one\nline two</x>")
        let bytes = PubSubFeedRenderer.event(.published(Self.item("1", payload, at: 0)), node: "n")
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[0] == "event: publish" && lines[1].hasPrefix("data: ") && lines[2].isEmpty)
        let data = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].dropFirst(6).utf8)) as? [String: Any])
        #expect(data["node"] as? String == "n")
        #expect((data["item"] as? [String: Any])?["payload"] as? String == payload.xmlString)
        #expect(
            String(decoding: PubSubFeedRenderer.event(.retracted(["a", "b"]), node: "n"), as: UTF8.self)
                == "event: retract\ndata: {\"ids\":[\"a\",\"b\"],\"node\":\"n\"}\n\n")
        #expect(
            String(decoding: PubSubFeedRenderer.event(.deleted, node: "n"), as: UTF8.self)
                == "event: delete\ndata: {\"node\":\"n\"}\n\n")
    }

    @Test func aPublishMakesOneEventPerItemWithTheMintedIDs() throws {
        let stored = Self.item("minted", nil, at: 5)
        let result = try XMLStreamParser.parseDocument(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item id='minted'/></publish></pubsub>")
        let made = PubSubFeedEvent.of(
            .publish(node: "n", items: [.init(id: nil, payload: nil)], options: nil), result: result,
            requester: JID("alice@localhost/desk")!, nodes: ["n": Self.node([stored])])
        #expect(made?.node == "n" && made?.events == [.published(stored)])
        #expect(
            PubSubFeedEvent.of(
                .retract(node: "n", ids: ["x"], notify: false), result: nil, requester: JID("a@b")!, nodes: [:])?.events
                == [.retracted(["x"])])
        #expect(PubSubFeedEvent.of(.purge(node: "n"), result: nil, requester: JID("a@b")!, nodes: [:])?.events == [.purged])
        #expect(PubSubFeedEvent.of(.discoInfo(node: "n"), result: nil, requester: JID("a@b")!, nodes: [:]) == nil)
    }
}
