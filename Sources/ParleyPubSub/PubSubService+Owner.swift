import ParleyXML
import ParleyXMPP

/// XEP-0060 §8.1–§8.5: create, configure, delete and purge nodes.
extension PubSubService {
    /// §8.1: a named node, or an instant one (§8.1.1) when `id` is nil, optionally
    /// configured at once (§8.1.3 "create and configure").
    mutating func create(_ id: String?, _ form: DataForm?, _ context: inout Context) -> PubSubOutcome {
        do throws(PubSubError) {
            let nodeID = id ?? context.makeID()
            // §8.1.1 leaves NodeIDs to the service: an empty one is a missing one
            // (nodeid-required); control characters, `..` segments or too many bytes are
            // not acceptable.
            guard !nodeID.isEmpty else { throw PubSubError(.notAcceptable, .nodeidRequired) }
            guard PubSubLimits.isAcceptableID(nodeID, limit: limits.maximumNodeIDBytes) else {
                throw PubSubError(.notAcceptable, text: "unacceptable NodeID")
            }
            guard nodes[nodeID] == nil else { throw PubSubError(.conflict) }  // §8.1.1: node exists
            // Quotas (§8.1.1 leaves the condition to the service): the whole service is
            // short of room, or this creator has used its share.
            guard nodes.count < limits.maximumNodes else {
                throw PubSubError(.resourceConstraint, text: "this service holds its maximum of nodes")
            }
            let owner = context.requester.bare
            let owned = nodes.values.reduce(0) { $0 + ($1.affiliation(of: owner) == .owner ? 1 : 0) }
            guard owned < limits.maximumNodesPerOwner else {
                // COMPAT: not-allowed rather than policy-violation, which slixmpp (1.17)
                // cannot parse: its request then never completes.
                throw PubSubError(.notAllowed, .maxNodesExceeded, text: "this owner holds its maximum of nodes")
            }
            var configuration = defaults
            if let form, form.type != .cancel {
                guard form.formType == nil || form.formType == PubSubNamespace.nodeConfig else {
                    throw PubSubError(.badRequest, text: "configure needs FORM_TYPE \(PubSubNamespace.nodeConfig)")
                }
                try configuration.apply(form, maximumItems: limits.maximumItemsPerNode)
            }
            let node = PubSubNode(
                id: nodeID, configuration: configuration, creator: owner, created: context.now,
                affiliations: [owner: .owner])
            save(node, &context)
            // §8.1.1: the result names the node (required for an instant one).
            return context.outcome(PubSubEvents.pubsub([
                XMLElement(name: "create", namespace: PubSubNamespace.pubsub, attributes: [XMLAttribute("node", value: nodeID)])
            ]))
        } catch {
            return .failure(error)
        }
    }

    /// §8.2: the configuration form, or a submitted one.
    mutating func configure(_ id: String, _ form: DataForm?, _ context: inout Context) -> PubSubOutcome {
        do throws(PubSubError) {
            var node = try ownedNode(id, by: context.requester)
            guard let form else {
                // §8.2.1
                return context.outcome(PubSubEvents.pubsub(PubSubNamespace.owner, [
                    XMLElement(
                        name: "configure", namespace: PubSubNamespace.owner, attributes: [XMLAttribute("node", value: id)],
                        children: [.element(node.configuration.form().element)])
                ]))
            }
            guard form.type != .cancel else { return context.outcome(nil) }  // §8.2.4: cancelled
            guard form.type == .submit, form.formType == nil || form.formType == PubSubNamespace.nodeConfig else {
                throw PubSubError(.badRequest, text: "a submit form with FORM_TYPE \(PubSubNamespace.nodeConfig)")
            }
            try node.configuration.apply(form, maximumItems: limits.maximumItemsPerNode)  // §8.2.5
            // Fewer items kept, or none at all: the extra ones go, oldest first.
            let keep = node.configuration.persistItems ? node.configuration.maxItems : 0
            while node.items.count > keep {
                let dropped = node.items.removeFirst()
                context.changes.append(.itemRemoved(node: id, id: dropped.id))
            }
            save(node, &context)
            // §8.2.5.3: subscribers hear of the change when the node is configured to tell them.
            if node.configuration.notifyConfig { context.notifySubscribers(of: node, PubSubEvents.configured(node)) }
            return context.outcome(nil)
        } catch {
            return .failure(error)
        }
    }

    /// §8.4: deletes the node, telling its subscribers (with the redirect, if any).
    mutating func delete(_ id: String, _ redirect: String?, _ context: inout Context) -> PubSubOutcome {
        do throws(PubSubError) {
            let node = try ownedNode(id, by: context.requester)
            if let redirect, redirect.utf8.count > 2048 || !PubSubLimits.isAcceptableID(redirect, limit: 2048) {
                throw PubSubError(.badRequest, text: "unacceptable redirect URI")
            }
            drop(id)
            context.changes.append(.nodeRemoved(id))
            if node.configuration.notifyDelete {
                context.notifySubscribers(of: node, PubSubEvents.deleted(id, redirect: redirect))
            }
            return context.outcome(nil)
        } catch {
            return .failure(error)
        }
    }

    /// §8.5: removes every item.
    mutating func purge(_ id: String, _ context: inout Context) -> PubSubOutcome {
        do throws(PubSubError) {
            var node = try ownedNode(id, by: context.requester)
            guard node.configuration.persistItems else { throw PubSubError.unsupported("persistent-items") }  // §8.5.3.3
            context.changes += node.items.map { PubSubChange.itemRemoved(node: id, id: $0.id) }
            node.items = []
            put(node)
            // §8.5.2: subscribers are told when the node notifies retractions.
            if node.configuration.notifyRetract { context.notifySubscribers(of: node, PubSubEvents.purged(id)) }
            return context.outcome(nil)
        } catch {
            return .failure(error)
        }
    }
}
