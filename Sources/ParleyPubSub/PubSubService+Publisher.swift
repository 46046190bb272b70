import ParleyXML
import ParleyXMPP

/// XEP-0060 §7: publish and retract.
extension PubSubService {
    /// §7.1.
    mutating func publish(
        _ id: String, _ submissions: [PubSubRequest.ItemSubmission], _ options: DataForm?, _ context: inout Context
    ) -> PubSubOutcome {
        do throws(PubSubError) {
            var node = try node(id)  // §7.1.3.3 (no auto-create here)
            guard mayPublish(node, context.requester) else { throw PubSubError(.forbidden) }  // §7.1.3.1
            let configuration = node.configuration
            // §7.1.3.6 ("the request does not match the node configuration"): one item per
            // request here; batches (§12.10 "batch processing") are refused.
            guard submissions.count <= 1 else {
                throw PubSubError(.badRequest, text: "one item per publish request")
            }
            let submission = submissions.first
            // §7.1.3.6, the event types: persistent nodes need an item, payload-delivering
            // nodes a payload, and transient notification-only nodes take no item at all.
            if configuration.persistItems, submission == nil { throw PubSubError(.badRequest, .itemRequired) }
            if configuration.deliverPayloads, submission?.payload == nil {
                throw PubSubError(.badRequest, .payloadRequired)
            }
            if !configuration.persistItems, !configuration.deliverPayloads, submission != nil {
                throw PubSubError(.badRequest, .itemForbidden)
            }
            if let options {
                // §7.1.5: every precondition must hold, else conflict + precondition-not-met.
                guard options.formType == PubSubNamespace.publishOptions else {
                    throw PubSubError(.badRequest, text: "publish-options needs FORM_TYPE \(PubSubNamespace.publishOptions)")
                }
                guard configuration.satisfies(options, maximumItems: limits.maximumItemsPerNode) else {
                    throw PubSubError(.conflict, .preconditionNotMet)
                }
            }
            let itemID = submission?.id ?? context.makeID()
            guard PubSubLimits.isAcceptableID(itemID, limit: limits.maximumItemIDBytes) else {
                throw PubSubError(.notAcceptable, text: "unacceptable item id")
            }
            let item = PublishedItem(
                id: itemID, publisher: context.requester.bare, published: context.now, payload: submission?.payload)
            guard item.payloadBytes <= limits.maximumPayloadBytes else {
                throw PubSubError(.notAcceptable, .payloadTooBig)  // §7.1.3.4
            }
            if configuration.persistItems {
                // §7.1.2: an item with an existing id replaces it; the oldest go past max_items.
                var kept = node
                kept.items.removeAll { $0.id == itemID }
                kept.items.append(item)
                var dropped: [String] = []
                while kept.items.count > configuration.maxItems { dropped.append(kept.items.removeFirst().id) }
                // The service-wide quota (PubSubLimits.maximumStoredBytes).
                let growth = kept.itemBytes - node.itemBytes
                guard growth <= 0 || storedBytes + growth <= limits.maximumStoredBytes else {
                    throw PubSubError(.resourceConstraint, text: "the service's storage quota is used up")
                }
                context.changes.append(.item(node: id, id: itemID))
                context.changes += dropped.map { PubSubChange.itemRemoved(node: id, id: $0) }
                node = kept
                put(node)
            }
            context.notifySubscribers(of: node, PubSubEvents.published(item, node: node))
            var publish = XMLElement(name: "publish", namespace: PubSubNamespace.pubsub, attributes: [XMLAttribute("node", value: id)])
            publish.append(XMLElement(name: "item", namespace: PubSubNamespace.pubsub, attributes: [XMLAttribute("id", value: itemID)]))
            return context.outcome(PubSubEvents.pubsub([publish]))
        } catch {
            return .failure(error)
        }
    }

    /// `pubsub#publish_model` and §4.1: who may publish to `node`.
    func mayPublish(_ node: PubSubNode, _ requester: JID) -> Bool {
        let affiliation = node.affiliation(of: requester)
        if affiliation == .outcast { return false }
        if affiliation.mayPublish { return true }
        switch node.configuration.publishModel {
        case .publishers: return false
        case .subscribers: return node.isSubscribed(requester)
        case .open: return true
        }
    }

    /// §7.2.
    mutating func retract(_ id: String, _ ids: [String], _ notify: Bool, _ context: inout Context) -> PubSubOutcome {
        do throws(PubSubError) {
            var node = try node(id)
            guard !ids.isEmpty else { throw PubSubError(.badRequest, .itemRequired) }  // §7.2.3.4
            // §7.2.3.5: a node that keeps no items has none to retract.
            guard node.configuration.persistItems else { throw PubSubError.unsupported("persistent-items") }
            let affiliation = node.affiliation(of: context.requester)
            guard affiliation.mayRetract else { throw PubSubError(.forbidden) }  // §7.2.3.1
            for itemID in ids {
                guard let item = node.item(itemID) else { throw PubSubError(.itemNotFound, text: "no such item") }  // §7.2.3.2
                // §4.1: publish-only retracts only what it published.
                if affiliation == .publishOnly, item.publisher != context.requester.bare { throw PubSubError(.forbidden) }
            }
            node.items.removeAll { ids.contains($0.id) }
            put(node)
            context.changes += ids.map { PubSubChange.itemRemoved(node: id, id: $0) }
            // §7.2.2.1: subscribers are told when the request asks for it or the node is configured to.
            if notify || node.configuration.notifyRetract {
                context.notifySubscribers(of: node, PubSubEvents.retracted(ids, node: id))
            }
            return context.outcome(nil)
        } catch {
            return .failure(error)
        }
    }
}
