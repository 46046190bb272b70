import Foundation
import ParleyXML
import ParleyXMPP

/// The human-readable `key = value` records a node and its items are stored as
/// (docs/storage.md, "pubsub"), and back. A record that does not read back is an error
/// naming what is wrong; the store names the file.
public enum PubSubRecords {
    /// Why a record does not read back.
    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    // MARK: Node

    /// The node's configuration, affiliations and subscriptions (not its items).
    public static func record(of node: PubSubNode) -> [String: String] {
        let configuration = node.configuration
        var record: [String: String] = [
            "id": node.id,
            "creator": node.creator.description,
            "created": XMPPDateTime.string(from: node.created),
            "access-model": configuration.accessModel.rawValue,
            "publish-model": configuration.publishModel.rawValue,
            "max-items": "\(configuration.maxItems)",
            "persist-items": yesNo(configuration.persistItems),
            "deliver-payloads": yesNo(configuration.deliverPayloads),
            "notify-retract": yesNo(configuration.notifyRetract),
            "notify-delete": yesNo(configuration.notifyDelete),
            "notify-config": yesNo(configuration.notifyConfig),
            "send-last-published-item": configuration.sendLastPublishedItem.rawValue,
            "notification-type": configuration.notificationType.rawValue,
            "title": configuration.title,
        ]
        for (index, group) in configuration.rosterGroupsAllowed.enumerated() { record["roster-group-\(index + 1)"] = group }
        for (index, entry) in node.affiliations.sorted(by: { $0.key.description < $1.key.description }).enumerated() {
            record["affiliation-\(index + 1)"] = "\(entry.value.rawValue) \(entry.key)"
        }
        for (index, subscription) in node.subscriptions.enumerated() {
            record["subscription-\(index + 1)"] =
                "\(subscription.state.rawValue) \(subscription.subid) \(yesNo(subscription.deliver)) \(subscription.jid)"
        }
        return record
    }

    /// The node a record describes, without items; `maximumItems` bounds `max-items`.
    public static func node(from record: [String: String], maximumItems: Int) throws(Invalid) -> PubSubNode {
        func value(_ key: String) throws(Invalid) -> String {
            guard let value = record[key] else { throw Invalid(reason: "missing '\(key)'") }
            return value
        }
        func choice<T: RawRepresentable>(_ key: String) throws(Invalid) -> T where T.RawValue == String {
            guard let choice = T(rawValue: try value(key)) else { throw Invalid(reason: "bad '\(key)'") }
            return choice
        }
        func flag(_ key: String) throws(Invalid) -> Bool {
            guard let flag = bool(try value(key)) else { throw Invalid(reason: "bad '\(key)' (yes or no)") }
            return flag
        }
        var configuration = NodeConfiguration()
        configuration.accessModel = try choice("access-model")
        configuration.publishModel = try choice("publish-model")
        guard let maxItems = Int(try value("max-items")), maxItems >= 1 else { throw Invalid(reason: "bad 'max-items'") }
        configuration.maxItems = min(maxItems, maximumItems)
        configuration.persistItems = try flag("persist-items")
        configuration.deliverPayloads = try flag("deliver-payloads")
        configuration.notifyRetract = try flag("notify-retract")
        configuration.notifyDelete = try flag("notify-delete")
        configuration.notifyConfig = try flag("notify-config")
        configuration.sendLastPublishedItem = try choice("send-last-published-item")
        configuration.notificationType = try choice("notification-type")
        configuration.title = record["title"] ?? ""
        configuration.rosterGroupsAllowed = numbered("roster-group", in: record)
        guard let creator = JID(try value("creator")), let created = XMPPDateTime.date(from: try value("created")) else {
            throw Invalid(reason: "bad 'creator' or 'created'")
        }
        var affiliations: [JID: Affiliation] = [:]
        for entry in numbered("affiliation", in: record) {
            let parts = entry.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let affiliation = Affiliation(rawValue: parts[0]), let jid = JID(parts[1]) else {
                throw Invalid(reason: "bad affiliation '\(entry)'")
            }
            affiliations[jid.bare] = affiliation
        }
        var subscriptions: [NodeSubscription] = []
        for entry in numbered("subscription", in: record) {
            let parts = entry.split(separator: " ", maxSplits: 3).map(String.init)
            guard parts.count == 4, let state = SubscriptionState(rawValue: parts[0]), let deliver = bool(parts[2]),
                let jid = JID(parts[3])
            else { throw Invalid(reason: "bad subscription '\(entry)'") }
            subscriptions.append(NodeSubscription(jid: jid, subid: parts[1], state: state, deliver: deliver))
        }
        return PubSubNode(
            id: try value("id"), configuration: configuration, creator: creator, created: created,
            affiliations: affiliations, subscriptions: subscriptions)
    }

    // MARK: Item

    /// One item: id, publisher, publication time, payload, and `order`, its place in the
    /// node (a number that grows with each item the store writes; the oldest item has the
    /// smallest).
    public static func record(of item: PublishedItem, order: UInt64) -> [String: String] {
        var record = [
            "id": item.id, "publisher": item.publisher.description,
            "published": XMPPDateTime.string(from: item.published), "order": "\(order)",
        ]
        record["payload"] = item.payload?.xmlString
        return record
    }

    /// The item a record describes, and its place in the node's order.
    public static func item(from record: [String: String], limits: XMLLimits = .default) throws(Invalid)
        -> (item: PublishedItem, order: UInt64)
    {
        guard let id = record["id"], let publisher = record["publisher"].flatMap(JID.init),
            let published = record["published"].flatMap(XMPPDateTime.date(from:)),
            let order = record["order"].flatMap(UInt64.init)
        else { throw Invalid(reason: "missing or bad 'id', 'publisher', 'published' or 'order'") }
        var payload: XMLElement?
        if let text = record["payload"] {
            do {
                payload = try XMLStreamParser.parseDocument(text, limits: limits)
            } catch {
                throw Invalid(reason: "payload of item '\(id)' is not XML: \(error)")
            }
        }
        return (PublishedItem(id: id, publisher: publisher, published: published, payload: payload), order)
    }

    // MARK: Helpers

    /// The values of `prefix-1`, `prefix-2`, … in numeric order.
    static func numbered(_ prefix: String, in record: [String: String]) -> [String] {
        record.compactMap { key, value -> (Int, String)? in
            guard key.hasPrefix(prefix + "-"), let number = Int(key.dropFirst(prefix.count + 1)) else { return nil }
            return (number, value)
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    static func yesNo(_ flag: Bool) -> String { flag ? "yes" : "no" }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "yes": true
        case "no": false
        default: nil
        }
    }
}
