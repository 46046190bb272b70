import Foundation
import ParleyXML
import ParleyXMPP

/// One published item (XEP-0060 §7.1): its id, who published it and when, and its payload
/// (nil for an item published without one, §7.1.2 notification-only).
public struct PublishedItem: Hashable, Sendable {
    public var id: String
    public var publisher: JID
    public var published: Date
    public var payload: XMLElement? {
        didSet { payloadBytes = Self.bytes(of: payload) }
    }
    /// The payload's serialized size in bytes (what `max_items` and the service's quota count).
    public private(set) var payloadBytes: Int

    public init(id: String, publisher: JID, published: Date, payload: XMLElement?) {
        self.id = id
        self.publisher = publisher
        self.published = published
        self.payload = payload
        self.payloadBytes = Self.bytes(of: payload)
    }

    static func bytes(of payload: XMLElement?) -> Int { payload?.xmlString.utf8.count ?? 0 }

    /// `<item id='…' [publisher='…']>payload</item>` in `namespace` (pubsub or pubsub#event).
    public func element(namespace: String, withPayload: Bool = true, publisherAttribute: Bool = false) -> XMLElement {
        var element = XMLElement(name: "item", namespace: namespace, attributes: [XMLAttribute("id", value: id)])
        if publisherAttribute { element[attribute: "publisher"] = publisher.bare.description }
        if withPayload, let payload { element.append(payload) }
        return element
    }
}
