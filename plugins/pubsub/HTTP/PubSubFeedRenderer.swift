import Foundation
import ParleyPubSub
import ParleyXML

/// Renders nodes and their events for the HTTP face: JSON, an Atom feed (RFC 4287) and
/// server-sent events (WHATWG HTML, "Server-sent events", the event stream format).
/// A payload is a publisher's XML and hostile: it is only ever carried as text (a JSON
/// string; Atom `content type="text"` escaped by the project's serializer), never as markup.
public enum PubSubFeedRenderer {
    static let atomNamespace = "http://www.w3.org/2005/Atom"

    /// `{"node": …, "items": [{"id", "publisher", "published", "payload"}]}`, newest item
    /// first; `payload` is the XML text, or null for an item without one.
    public static func json(node: String, items: [PublishedItem]) -> [UInt8] {
        encode(NodeJSON(node: node, items: items.reversed().map(ItemJSON.init)))
    }

    /// One event of a node's stream: `event: NAME`, one `data:` line of JSON, a blank line.
    public static func event(_ event: PubSubFeedEvent, node: String) -> [UInt8] {
        let data: [UInt8]
        switch event {
        case .published(let item): data = encode(PublishedJSON(node: node, item: ItemJSON(item)))
        case .retracted(let ids): data = encode(RetractedJSON(node: node, ids: ids))
        case .purged, .deleted: data = encode(NodeOnlyJSON(node: node))
        }
        // JSON text has no raw line break, so one data line carries it whole.
        return Array("event: \(event.name)\ndata: ".utf8) + data + Array("\n\n".utf8)
    }

    /// The Atom feed of `node` on the service `service` (its JID), newest entry first
    /// (RFC 4287 §4.1.1, §4.1.2): ids are XMPP URIs (RFC 5122, XEP-0060 §12.20's
    /// `;node=…;item=…`), each entry's author its publisher, its content the payload as text.
    public static func atom(_ node: PubSubNode, service: String) -> [UInt8] {
        let feedID = "xmpp:\(service)?;node=\(uriComponent(node.id))"
        let updated = node.items.last?.published ?? node.created
        var feed = XMLElement(name: "feed", namespace: atomNamespace)
        feed.append(text("id", feedID))
        feed.append(text("title", node.configuration.title.isEmpty ? node.id : node.configuration.title))
        feed.append(text("updated", date(updated)))
        feed.append(person("author", service))
        feed.append(text("generator", "Parley"))
        for item in node.items.reversed() {
            var entry = XMLElement(name: "entry", namespace: atomNamespace)
            entry.append(text("id", "\(feedID);item=\(uriComponent(item.id))"))
            entry.append(text("title", item.id))
            entry.append(person("author", item.publisher.description))
            entry.append(text("published", date(item.published)))
            entry.append(text("updated", date(item.published)))
            var content = text("content", item.payload?.xmlString ?? "")
            content[attribute: "type"] = "text"
            entry.append(content)
            feed.append(entry)
        }
        return Array("<?xml version='1.0' encoding='utf-8'?>\n".utf8) + feed.serialized()
    }

    // MARK: Pieces

    /// RFC 3339 `date-time` in UTC (RFC 4287 §3.3).
    static func date(_ date: Date) -> String { date.formatted(.iso8601) }

    /// An Atom element holding `value` as text (escaped when written).
    static func text(_ name: String, _ value: String) -> XMLElement {
        XMLElement(name: name, namespace: atomNamespace, children: [.text(value)])
    }

    /// An Atom Person construct (RFC 4287 §3.2) with only a name.
    static func person(_ name: String, _ value: String) -> XMLElement {
        XMLElement(name: name, namespace: atomNamespace, children: [.element(text("name", value))])
    }

    /// Percent-encodes all but RFC 3986 unreserved characters (§2.3), as UTF-8.
    static func uriComponent(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and arrays of strings always encode.
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    struct ItemJSON: Encodable {
        let id: String
        let publisher: String
        let published: String
        let payload: String?

        init(_ item: PublishedItem) {
            id = item.id
            publisher = item.publisher.description
            published = PubSubFeedRenderer.date(item.published)
            payload = item.payload?.xmlString
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(publisher, forKey: .publisher)
            try container.encode(published, forKey: .published)
            try container.encode(payload, forKey: .payload)  // null, not left out
        }

        enum CodingKeys: String, CodingKey { case id, publisher, published, payload }
    }

    struct NodeJSON: Encodable {
        let node: String
        let items: [ItemJSON]
    }

    struct PublishedJSON: Encodable {
        let node: String
        let item: ItemJSON
    }

    struct RetractedJSON: Encodable {
        let node: String
        let ids: [String]
    }

    struct NodeOnlyJSON: Encodable {
        let node: String
    }
}

extension String {
    /// The string with leading zeros up to `width` characters (hex bytes).
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
