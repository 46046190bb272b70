import ParleyXML
import ParleyXMPP

/// XEP-0060 §6: subscribe, unsubscribe, subscription options, retrieve items.
extension PubSubService {
    /// §6.1.
    mutating func subscribe(_ id: String, _ jid: JID, _ options: DataForm?, _ context: inout Context) -> PubSubOutcome {
        do throws(PubSubError) {
            var node = try node(id)
            // §6.1.3.1: the bare JIDs must match.
            guard jid.bare == context.requester.bare else { throw PubSubError(.badRequest, .invalidJID) }
            if let error = accessError(node, for: jid, facts: context.facts) { throw error }
            if let existing = node.subscriptions(of: jid).first {
                // §6.1.3.7: a pending one stays pending; a granted one is returned as it is.
                guard existing.state != .pending else { throw PubSubError(.notAuthorized, .pendingSubscription) }
                return context.outcome(subscriptionResult(existing, node: id))
            }
            guard node.subscriptions.count < limits.maximumSubscriptionsPerNode else {
                throw PubSubError(.policyViolation, .tooManySubscriptions)  // §6.1.3.9
            }
            var subscription = NodeSubscription(jid: jid, subid: context.makeID(), state: .subscribed)
            if let options { try Self.apply(options, to: &subscription) }  // §6.3.7
            let needsApproval =
                node.configuration.accessModel == .authorize && node.affiliation(of: jid) == .none
            if needsApproval {
                // §8.6: pending until an owner approves through the authorization form.
                subscription.state = .pending
                for owner in node.owners {
                    context.notifications.append(
                        PubSubNotification(to: owner, payload: authorizationForm(subscription, node: id), type: .normal))
                }
            }
            node.subscriptions.append(subscription)
            save(node, &context)
            if subscription.state == .subscribed { sendLastItem(of: node, to: subscription, &context) }
            return context.outcome(subscriptionResult(subscription, node: id))
        } catch {
            return .failure(error)
        }
    }

    /// §6.1.2: `<pubsub><subscription …/></pubsub>`.
    func subscriptionResult(_ subscription: NodeSubscription, node: String) -> XMLElement {
        PubSubEvents.pubsub([
            PubSubEvents.subscriptionElement(subscription, jid: subscription.jid, node: node, namespace: PubSubNamespace.pubsub)
        ])
    }

    /// §6.1.7 (`pubsub#send_last_published_item`): the newest item to a new subscriber.
    func sendLastItem(of node: PubSubNode, to subscription: NodeSubscription, _ context: inout Context) {
        guard node.configuration.sendLastPublishedItem != .never, subscription.deliver, let last = node.items.last else {
            return
        }
        context.notifications.append(
            PubSubNotification(
                to: subscription.jid, payload: PubSubEvents.published(last, node: node),
                type: node.configuration.notificationType, delay: last.published))
    }

    /// §6.2.
    mutating func unsubscribe(_ id: String, _ jid: JID, _ subid: String?, _ context: inout Context) -> PubSubOutcome {
        do throws(PubSubError) {
            var node = try node(id)
            // §6.2.3.3: only the subscriber (or an owner) may unsubscribe a JID.
            guard jid.bare == context.requester.bare || node.affiliation(of: context.requester) == .owner else {
                throw PubSubError(.forbidden)
            }
            let subscription = try Self.pick(node.subscriptions(of: jid), subid: subid)
            node.subscriptions.removeAll { $0.jid == jid && $0.subid == subscription.subid }
            save(node, &context)
            return context.outcome(nil)
        } catch {
            return .failure(error)
        }
    }

    /// §6.2.3.1, §6.2.3.2, §6.2.3.5: the one subscription a request names.
    static func pick(_ subscriptions: [NodeSubscription], subid: String?) throws(PubSubError) -> NodeSubscription {
        guard !subscriptions.isEmpty else {
            // §6.2.3.2: unexpected-request of type cancel (the condition's usual type is wait).
            var error = PubSubError(.unexpectedRequest, .notSubscribed)
            error.stanza.type = .cancel
            throw error
        }
        if let subid {
            guard let match = subscriptions.first(where: { $0.subid == subid }) else {
                throw PubSubError(.notAcceptable, .invalidSubid)
            }
            return match
        }
        guard subscriptions.count == 1 else { throw PubSubError(.badRequest, .subidRequired) }
        return subscriptions[0]
    }

    /// §6.3: read or submit the options of one's subscription.
    mutating func options(_ id: String, _ jid: JID, _ subid: String?, _ form: DataForm?, _ context: inout Context)
        -> PubSubOutcome
    {
        do throws(PubSubError) {
            var node = try node(id)
            guard jid.bare == context.requester.bare else { throw PubSubError(.forbidden) }  // §6.3.4.1
            var subscription = try Self.pick(node.subscriptions(of: jid), subid: subid)
            guard let form else {
                // §6.3.2: the form with the current values.
                var options = XMLElement(
                    name: "options", namespace: PubSubNamespace.pubsub,
                    attributes: [XMLAttribute("node", value: id), XMLAttribute("jid", value: jid.description),
                        XMLAttribute("subid", value: subscription.subid)])
                options.append(Self.optionsForm(subscription).element)
                return context.outcome(PubSubEvents.pubsub([options]))
            }
            try Self.apply(form, to: &subscription)  // §6.3.5
            if let index = node.subscriptions.firstIndex(where: { $0.jid == jid && $0.subid == subscription.subid }) {
                node.subscriptions[index] = subscription
            }
            save(node, &context)
            return context.outcome(nil)
        } catch {
            return .failure(error)
        }
    }

    /// §16.4.2: the subscription options this service supports (`pubsub#deliver`).
    static func optionsForm(_ subscription: NodeSubscription) -> DataForm {
        DataForm(type: .form, formType: PubSubNamespace.subscribeOptions, fields: [
            DataFormField(
                variable: "pubsub#deliver", type: .boolean, label: "Enable delivery?",
                values: [subscription.deliver ? "1" : "0"])
        ])
    }

    /// §6.3.5: applies a submitted options form; an unknown field or value is
    /// `bad-request` + `invalid-options` (§6.3.6).
    static func apply(_ form: DataForm, to subscription: inout NodeSubscription) throws(PubSubError) {
        for field in form.fields {
            switch field.variable {
            case DataForm.formTypeVariable:
                guard field.values.first == PubSubNamespace.subscribeOptions else {
                    throw PubSubError(.badRequest, .invalidOptions)
                }
            case "pubsub#deliver":
                switch field.values.first {
                case "1", "true": subscription.deliver = true
                case "0", "false": subscription.deliver = false
                default: throw PubSubError(.badRequest, .invalidOptions)
                }
            default:
                throw PubSubError(.badRequest, .invalidOptions)
            }
        }
    }

    /// §6.5: retrieve all items, the newest `maxItems`, or some by id, paged (XEP-0059).
    func items(_ id: String, _ maxItems: Int?, _ ids: [String], _ page: ResultSetRequest?, _ context: inout Context)
        -> PubSubOutcome
    {
        do throws(PubSubError) {
            let node = try node(id)
            if let error = accessError(node, for: context.requester, facts: context.facts) { throw error }
            // §6.5.9.3 (authorize model): only approved subscribers (and affiliates) read.
            if node.configuration.accessModel == .authorize, node.affiliation(of: context.requester) == .none,
                !node.isSubscribed(context.requester)
            {
                throw PubSubError(.notAuthorized, .notSubscribed)
            }
            // §6.5.9.4: a node that keeps no items (and so no last item) has none to return.
            guard node.configuration.persistItems else { throw PubSubError.unsupported("persistent-items") }
            var selected = node.items
            if !ids.isEmpty {
                // §6.5.8: particular items; §6.5.9.12: those not there are left out (an
                // empty result when none is).
                selected = node.items.filter { ids.contains($0.id) }
            } else if let maxItems {
                selected = Array(selected.suffix(maxItems))  // §6.5.7: the most recent ones
            }
            var set: XMLElement?
            if let page {
                let (paged, pageSet) = try Self.paginate(selected, page)
                selected = paged
                set = pageSet
            }
            var itemsElement = XMLElement(
                name: "items", namespace: PubSubNamespace.pubsub, attributes: [XMLAttribute("node", value: id)])
            for item in selected {
                itemsElement.append(item.element(namespace: PubSubNamespace.pubsub, publisherAttribute: true))
            }
            return context.outcome(PubSubEvents.pubsub([itemsElement] + (set.map { [$0] } ?? [])))
        } catch {
            return .failure(error)
        }
    }

    /// XEP-0059 §2.2, §2.3: a page of `items` (oldest first) after or before an item id,
    /// with the `<set/>` that describes it. An unknown id is `item-not-found` (§2.6).
    static func paginate(_ items: [PublishedItem], _ page: ResultSetRequest) throws(PubSubError)
        -> ([PublishedItem], XMLElement)
    {
        var start = 0
        var end = items.count
        if let after = page.after {
            guard let index = items.firstIndex(where: { $0.id == after }) else { throw PubSubError(.itemNotFound) }
            start = index + 1
        }
        if let before = page.before {
            if !before.isEmpty {
                guard let index = items.firstIndex(where: { $0.id == before }) else { throw PubSubError(.itemNotFound) }
                end = index
            }
        }
        start = min(start, end)
        if let max = page.max {
            // `before` pages back from the end of the window, `after` forward from its start.
            if page.before != nil { start = Swift.max(start, end - max) } else { end = min(end, start + max) }
        }
        let slice = Array(items[start..<end])
        var set = XMLElement(name: "set", namespace: PubSubNamespace.rsm)
        if let first = slice.first, let last = slice.last {
            set.append(XMLElement(name: "first", namespace: PubSubNamespace.rsm,
                attributes: [XMLAttribute("index", value: "\(start)")], children: [.text(first.id)]))
            set.append(XMLElement(name: "last", namespace: PubSubNamespace.rsm, children: [.text(last.id)]))
        }
        set.append(XMLElement(name: "count", namespace: PubSubNamespace.rsm, children: [.text("\(items.count)")]))
        return (slice, set)
    }
}
