import Foundation
import ParleyXML
import ParleyXMPP

/// XEP-0060 §5.6, §5.7 (one's own subscriptions and affiliations), §8.6 (pending
/// subscriptions), §8.8 and §8.9 (an owner's management of both).
extension PubSubService {
    /// §5.6: the requester's subscriptions, on one node or all.
    func ownSubscriptions(_ id: String?, _ context: inout Context) -> PubSubOutcome {
        if let id, nodes[id] == nil { return .failure(.nodeNotFound) }
        let bare = context.requester.bare
        var list = XMLElement(name: "subscriptions", namespace: PubSubNamespace.pubsub)
        list[attribute: "node"] = id
        for node in sortedNodes(only: id) {
            for subscription in node.subscriptions where subscription.jid.bare == bare {
                list.append(PubSubEvents.subscriptionElement(
                    subscription, jid: subscription.jid, node: node.id, namespace: PubSubNamespace.pubsub))
            }
        }
        return context.outcome(PubSubEvents.pubsub([list]))
    }

    /// §5.7: the requester's affiliations, on one node or all.
    func ownAffiliations(_ id: String?, _ context: inout Context) -> PubSubOutcome {
        if let id, nodes[id] == nil { return .failure(.nodeNotFound) }
        var list = XMLElement(name: "affiliations", namespace: PubSubNamespace.pubsub)
        list[attribute: "node"] = id
        for node in sortedNodes(only: id) {
            let affiliation = node.affiliation(of: context.requester)
            guard affiliation != .none else { continue }
            list.append(XMLElement(
                name: "affiliation", namespace: PubSubNamespace.pubsub,
                attributes: [XMLAttribute("node", value: node.id), XMLAttribute("affiliation", value: affiliation.rawValue)]))
        }
        return context.outcome(PubSubEvents.pubsub([list]))
    }

    /// The nodes sorted by id, or just `id`'s.
    func sortedNodes(only id: String?) -> [PubSubNode] {
        if let id { return nodes[id].map { [$0] } ?? [] }
        return nodes.values.sorted { $0.id < $1.id }
    }

    /// §8.6: the form an owner receives for a pending subscription.
    func authorizationForm(_ subscription: NodeSubscription, node: String) -> XMLElement {
        DataForm(
            type: .form, formType: PubSubNamespace.subscribeAuthorization, title: "PubSub subscriber request",
            instructions: ["To approve this entity's subscription request, set pubsub#allow to true."],
            fields: [
                DataFormField(variable: "pubsub#subid", type: .hidden, values: [subscription.subid]),
                DataFormField(variable: "pubsub#node", type: .textSingle, label: "Node ID", values: [node]),
                DataFormField(
                    variable: "pubsub#subscriber_jid", type: .jidSingle, label: "Subscriber Address",
                    values: [subscription.jid.description]),
                DataFormField(
                    variable: "pubsub#allow", type: .boolean, label: "Allow this JID to subscribe to this pubsub node?",
                    values: ["0"]),
            ]
        ).element
    }

    /// §8.6: an owner's answer to an authorization form (sent in a message). The
    /// subscription becomes `subscribed` or goes; the subscriber is told (§8.6 "the
    /// service SHOULD notify"). A stale or forged answer changes nothing and is not
    /// answered (it came in a message): its outcome's `error` says why.
    public mutating func authorize(
        _ form: DataForm, from owner: JID, facts: AccessFacts = .none, now: Date = Date()
    ) -> PubSubOutcome {
        var context = Context(requester: owner, facts: facts, now: now, makeID: { "" })
        do throws(PubSubError) {
            guard form.type == .submit, form.formType == PubSubNamespace.subscribeAuthorization,
                let id = form.value(of: "pubsub#node"),
                let jidText = form.value(of: "pubsub#subscriber_jid"), let jid = JID(jidText),
                let allowText = form.value(of: "pubsub#allow")
            else { throw PubSubError(.badRequest, text: "not a subscribe_authorization submission") }
            var node = try ownedNode(id, by: owner)
            let subid = form.value(of: "pubsub#subid")
            guard let index = node.subscriptions.firstIndex(where: {
                $0.jid == jid && $0.state == .pending && (subid == nil || $0.subid == subid)
            }) else { throw PubSubError(.itemNotFound, text: "no such pending subscription") }
            let allow = allowText == "1" || allowText == "true"
            var subscription = node.subscriptions[index]
            if allow {
                subscription.state = .subscribed
                node.subscriptions[index] = subscription
            } else {
                node.subscriptions.remove(at: index)
            }
            save(node, &context)
            context.notifications.append(PubSubNotification(
                to: jid, payload: PubSubEvents.subscription(allow ? Optional(subscription) : nil, jid: jid, node: id), type: .normal))
            if allow { sendLastItem(of: node, to: subscription, &context) }
            return context.outcome(nil)
        } catch {
            return .failure(error)
        }
    }

    /// §8.8: an owner reads or changes the node's subscriptions.
    mutating func manageSubscriptions(
        _ id: String, _ changes: [PubSubRequest.SubscriptionChange]?, _ context: inout Context
    ) -> PubSubOutcome {
        do throws(PubSubError) {
            var node = try ownedNode(id, by: context.requester)
            guard let changes else {
                // §8.8.1
                return context.outcome(Self.ownerList("subscriptions", node: id, node.subscriptions.map {
                    PubSubEvents.subscriptionElement($0, jid: $0.jid, node: nil, namespace: PubSubNamespace.owner)
                }))
            }
            // §8.8.2: all or nothing; a change naming an unknown SubID is not acceptable (§8.8.2.4).
            for change in changes {
                let existing = node.subscriptions.firstIndex { $0.jid == change.jid && (change.subid == nil || $0.subid == change.subid) }
                switch (change.state, existing) {
                case (nil, let index?):
                    node.subscriptions.remove(at: index)
                case (nil, nil):
                    throw PubSubError(.notAcceptable, .notSubscribed)
                case (let state?, let index?):
                    node.subscriptions[index].state = state
                case (let state?, nil):
                    guard change.subid == nil else { throw PubSubError(.notAcceptable, .invalidSubid) }
                    node.subscriptions.append(NodeSubscription(jid: change.jid, subid: context.makeID(), state: state))
                }
            }
            save(node, &context)
            // §8.8.4: each subscriber hears of its new state.
            for change in changes {
                let now = node.subscriptions.first { $0.jid == change.jid }
                context.notifications.append(PubSubNotification(
                    to: change.jid, payload: PubSubEvents.subscription(now, jid: change.jid, node: id), type: .normal))
            }
            return context.outcome(nil)
        } catch {
            return .failure(error)
        }
    }

    /// §8.9: an owner reads or changes the node's affiliations.
    mutating func manageAffiliations(
        _ id: String, _ changes: [PubSubRequest.AffiliationChange]?, _ context: inout Context
    ) -> PubSubOutcome {
        do throws(PubSubError) {
            var node = try ownedNode(id, by: context.requester)
            guard let changes else {
                // §8.9.1
                let sorted = node.affiliations.sorted { $0.key.description < $1.key.description }
                return context.outcome(Self.ownerList("affiliations", node: id, sorted.map { jid, affiliation in
                    XMLElement(
                        name: "affiliation", namespace: PubSubNamespace.owner,
                        attributes: [XMLAttribute("jid", value: jid.description),
                            XMLAttribute("affiliation", value: affiliation.rawValue)])
                }))
            }
            for change in changes {
                node.affiliations[change.jid] = change.affiliation == .none ? nil : change.affiliation
                if change.affiliation == .outcast {
                    // §4.1: an outcast holds no subscription.
                    node.subscriptions.removeAll { $0.jid.bare == change.jid }
                }
            }
            // §8.9.2.4: a node keeps at least one owner.
            guard !node.owners.isEmpty else {
                throw PubSubError(.notAcceptable, text: "a node keeps at least one owner")
            }
            save(node, &context)
            return context.outcome(nil)
        } catch {
            return .failure(error)
        }
    }

    /// `<pubsub xmlns='…#owner'><name node='…'>entries</name></pubsub>` (§8.8.1, §8.9.1).
    static func ownerList(_ name: String, node: String, _ entries: [XMLElement]) -> XMLElement {
        let list = XMLElement(
            name: name, namespace: PubSubNamespace.owner, attributes: [XMLAttribute("node", value: node)],
            children: entries.map { .element($0) })
        return PubSubEvents.pubsub(PubSubNamespace.owner, [list])
    }
}
