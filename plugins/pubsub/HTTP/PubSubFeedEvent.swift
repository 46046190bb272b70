import Foundation
import ParleyPubSub
import ParleyXML
import ParleyXMPP

/// What a node's event stream tells its readers: the HTTP face's view of the XEP-0060
/// notifications (§7.1.2 published, §7.2.2 retracted, §8.5.2 purged, §8.4.2 deleted),
/// sent whether or not the node has XMPP subscribers.
public enum PubSubFeedEvent: Sendable, Equatable {
    case published(PublishedItem)
    case retracted([String])
    case purged
    case deleted

    /// The SSE `event:` name.
    public var name: String {
        switch self {
        case .published: "publish"
        case .retracted: "retract"
        case .purged: "purge"
        case .deleted: "delete"
        }
    }

    /// The events a request that succeeded makes on its node, in order (none for most
    /// requests). `nodes` is the service's state after it; a published item is read from
    /// there (or, on a node that keeps none, rebuilt from the request).
    public static func of(
        _ request: PubSubRequest, result: XMLElement?, requester: JID, nodes: [String: PubSubNode], now: Date = Date()
    ) -> (node: String, events: [PubSubFeedEvent])? {
        switch request {
        case .publish(let node, let submissions, _):
            // §7.1.2: the answer names every item id, also those the service minted.
            let ids = result?.firstChild(named: "publish")?.elements.compactMap { $0.attribute("id") } ?? []
            let events = ids.enumerated().map { index, id in
                let payload = index < submissions.count ? submissions[index].payload : nil
                return PubSubFeedEvent.published(
                    nodes[node]?.item(id) ?? PublishedItem(id: id, publisher: requester.bare, published: now, payload: payload))
            }
            return events.isEmpty ? nil : (node, events)
        case .retract(let node, let ids, _): return (node, [.retracted(ids)])
        case .purge(let node): return (node, [.purged])
        case .delete(let node, _): return (node, [.deleted])
        default: return nil
        }
    }
}
