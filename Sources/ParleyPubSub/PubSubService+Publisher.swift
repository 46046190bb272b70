import ParleyXML
import ParleyXMPP

/// XEP-0060 §7: publish and retract.
extension PubSubService {
    /// §7.1, and §12.10 for several items at once (all or none).
    mutating func publish(
        _ id: String, _ submissions: [PubSubRequest.ItemSubmission], _ options: DataForm?, _ context: inout Context
    ) -> PubSubOutcome {
        do throws(PubSubError) {
            let node = try node(id)  // §7.1.3.3 (no auto-create here)
            guard mayPublish(node, context.requester) else { throw PubSubError(.forbidden) }  // §7.1.3.1
            let configuration = node.configuration
            if let options {
                // §7.1.5: every precondition must hold, else conflict + precondition-not-met.
                guard options.formType == PubSubNamespace.publishOptions else {
                    throw PubSubError(.badRequest, text: "publish-options needs FORM_TYPE \(PubSubNamespace.publishOptions)")
                }
                guard configuration.satisfies(options, maximumItems: limits.maximumItemsPerNode) else {
                    throw PubSubError(.conflict, .preconditionNotMet)
                }
            }
            // §12.10: a batch that cannot fit the node fails whole.
            if configuration.persistItems, submissions.count > configuration.maxItems {
                throw PubSubError(.notAllowed, .maxItemsExceeded)
            }
            // A transient notification-only node takes a publish without any item (§7.1.3.6).
            let items = try (submissions.isEmpty ? [nil] : submissions.map { Optional($0) }).map {
                (submission) throws(PubSubError) in try item(submission, for: configuration, &context)
            }
            var stored = node
            if configuration.persistItems {
                // §7.1.2: an item with an existing id replaces it; the oldest go past max_items.
                var dropped: [String] = []
                for item in items {
                    stored.items.removeAll { $0.id == item.id }
                    stored.items.append(item)
                }
                while stored.items.count > configuration.maxItems { dropped.append(stored.items.removeFirst().id) }
                // The service-wide quota (PubSubLimits.maximumStoredBytes).
                let growth = stored.itemBytes - node.itemBytes
                guard growth <= 0 || storedBytes + growth <= limits.maximumStoredBytes else {
                    throw PubSubError(.resourceConstraint, text: "the service's storage quota is used up")
                }
                context.changes += items.map { PubSubChange.item(node: id, id: $0.id) }
                // A batch fits max_items, so only older items are dropped.
                context.changes += dropped.map { PubSubChange.itemRemoved(node: id, id: $0) }
                put(stored)
            }
            var publish = XMLElement(name: "publish", namespace: PubSubNamespace.pubsub, attributes: [XMLAttribute("node", value: id)])
            for item in items {
                context.notifySubscribers(of: stored, PubSubEvents.published(item, node: stored))
                publish.append(XMLElement(name: "item", namespace: PubSubNamespace.pubsub, attributes: [XMLAttribute("id", value: item.id)]))
            }
            return context.outcome(PubSubEvents.pubsub([publish]))
        } catch {
            return .failure(error)
        }
    }

    /// One submitted item as the node's event type allows it (§7.1.3.6), with its id
    /// (minted when missing) and payload checked (§7.1.3.4).
    private func item(_ submission: PubSubRequest.ItemSubmission?, for configuration: NodeConfiguration, _ context: inout Context)
        throws(PubSubError) -> PublishedItem
    {
        // §7.1.3.6, the event types: persistent nodes need an item, payload-delivering
        // nodes a payload, and transient notification-only nodes take no item at all.
        if configuration.persistItems, submission == nil { throw PubSubError(.badRequest, .itemRequired) }
        if configuration.deliverPayloads, submission?.payload == nil { throw PubSubError(.badRequest, .payloadRequired) }
        if !configuration.persistItems, !configuration.deliverPayloads, submission != nil {
            throw PubSubError(.badRequest, .itemForbidden)
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
        return item
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
