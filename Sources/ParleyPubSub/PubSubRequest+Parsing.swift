import ParleyXML
import ParleyXMPP

extension PubSubRequest {
    /// Reads the one child of an IQ `get` or `set` (RFC 6120 §8.2.3). Anything this
    /// service does not understand is the error XEP-0060 gives for it.
    public static func parse(_ child: XMLElement, isSet: Bool) throws(PubSubError) -> PubSubRequest {
        switch (child.namespace, child.name) {
        case (XMPPNamespace.discoInfo, "query"):
            guard !isSet else { throw PubSubError(.badRequest, text: "disco#info is get only") }
            return .discoInfo(node: child[attribute: "node"])
        case (XMPPNamespace.discoItems, "query"):
            guard !isSet else { throw PubSubError(.badRequest, text: "disco#items is get only") }
            return .discoItems(node: child[attribute: "node"])
        case (PubSubNamespace.pubsub, "pubsub"):
            return try parseEntity(child, isSet: isSet)
        case (PubSubNamespace.owner, "pubsub"):
            return try parseOwner(child, isSet: isSet)
        default:
            // RFC 6120 §8.4: a namespace not understood.
            throw PubSubError(.serviceUnavailable)
        }
    }

    /// §6, §7, §8.1: `<pubsub xmlns='…pubsub'>`.
    private static func parseEntity(_ pubsub: XMLElement, isSet: Bool) throws(PubSubError) -> PubSubRequest {
        let elements = pubsub.elements
        guard let verb = elements.first else { throw PubSubError(.badRequest, text: "empty pubsub element") }
        let node = verb[attribute: "node"]
        let options = elements.first { $0.name == "options" || $0.name == "publish-options" || $0.name == "configure" }
        func required() throws(PubSubError) -> String {
            // §7.1.3.x, §6.1.3: a request on a node without a NodeID.
            guard let node, !node.isEmpty else { throw PubSubError(.badRequest, .nodeidRequired) }
            return node
        }
        func jid() throws(PubSubError) -> JID {
            // §6.3.4.3: options without a subscriber JID; §6.1.3.1: a JID that is not one.
            guard let text = verb[attribute: "jid"] else {
                throw PubSubError(.badRequest, verb.name == "options" ? .jidRequired : .invalidJID)
            }
            guard let jid = JID(text) else { throw PubSubError(.badRequest, .invalidJID) }
            return jid
        }
        switch (verb.name, isSet) {
        case ("subscriptions", false): return .subscriptions(node: node)  // §5.6
        case ("affiliations", false): return .affiliations(node: node)  // §5.7
        case ("subscribe", true):  // §6.1.1, §6.3.7 (subscribe and configure)
            return .subscribe(node: try required(), jid: try jid(), options: try form(in: options))
        case ("unsubscribe", true):  // §6.2.1
            return .unsubscribe(node: try required(), jid: try jid(), subid: verb[attribute: "subid"])
        case ("options", _):  // §6.3.2, §6.3.5
            let submitted: DataForm? = try isSet ? form(in: verb) : nil
            if isSet, submitted == nil { throw PubSubError(.badRequest, .invalidOptions) }
            return .options(node: try required(), jid: try jid(), subid: verb[attribute: "subid"], submitted: submitted)
        case ("items", false):  // §6.5
            var maxItems: Int?
            if let text = verb[attribute: "max_items"] {
                guard let count = Int(text), count >= 1 else { throw PubSubError(.badRequest, text: "bad max_items") }
                maxItems = count
            }
            let ids = verb.elements.filter { $0.name == "item" }.compactMap { $0[attribute: "id"] }
            return .items(node: try required(), maxItems: maxItems, ids: ids, page: try page(in: pubsub))
        case ("publish", true):  // §7.1.1
            let node = try required()
            let items = verb.elements.filter { $0.name == "item" }.map {
                ItemSubmission(id: $0[attribute: "id"], payload: $0.elements.first)
            }
            for item in verb.elements where item.name == "item" && item.elements.count > 1 {
                // §7.1.3.5: one payload element per item.
                throw PubSubError(.badRequest, .invalidPayload)
            }
            return .publish(node: node, items: items, options: try form(in: options))
        case ("retract", true):  // §7.2.1
            let ids = verb.elements.filter { $0.name == "item" }.compactMap { $0[attribute: "id"] }
            let notify = verb[attribute: "notify"].map { $0 == "1" || $0 == "true" } ?? false
            return .retract(node: try required(), ids: ids, notify: notify)
        case ("create", true):  // §8.1.1 (instant nodes too), §8.1.2, §8.1.3
            return .create(node: node, configuration: try form(in: options))
        case ("default", false):  // §8.3 is in the owner namespace; accepted here too for old clients
            return .defaultConfiguration
        default:
            throw PubSubError(.featureNotImplemented, .unsupported, feature: verb.name, text: "unsupported request \(verb.name)")
        }
    }

    /// §8: `<pubsub xmlns='…pubsub#owner'>`.
    private static func parseOwner(_ pubsub: XMLElement, isSet: Bool) throws(PubSubError) -> PubSubRequest {
        guard let verb = pubsub.elements.first else { throw PubSubError(.badRequest, text: "empty pubsub element") }
        func required() throws(PubSubError) -> String {
            guard let node = verb[attribute: "node"], !node.isEmpty else { throw PubSubError(.badRequest, .nodeidRequired) }
            return node
        }
        switch (verb.name, isSet) {
        case ("configure", _):  // §8.2
            let submitted = try form(in: verb)
            if isSet, submitted == nil { throw PubSubError(.badRequest, text: "configure set without a form") }
            return .configure(node: try required(), submitted: isSet ? submitted : nil)
        case ("default", false):  // §8.3
            return .defaultConfiguration
        case ("delete", true):  // §8.4
            let redirect = verb.firstChild(named: "redirect")?[attribute: "uri"]
            return .delete(node: try required(), redirect: redirect)
        case ("purge", true):  // §8.5
            return .purge(node: try required())
        case ("subscriptions", _):  // §8.8
            guard isSet else { return .manageSubscriptions(node: try required(), changes: nil) }
            var changes: [SubscriptionChange] = []
            for entry in verb.elements where entry.name == "subscription" {
                guard let text = entry[attribute: "jid"], let jid = JID(text) else {
                    throw PubSubError(.badRequest, .invalidJID)
                }
                let value = entry[attribute: "subscription"] ?? ""
                let state = SubscriptionState(rawValue: value)
                guard state != nil || value == "none" else {
                    throw PubSubError(.badRequest, text: "unknown subscription state '\(value)'")
                }
                changes.append(SubscriptionChange(jid: jid, subid: entry[attribute: "subid"], state: state))
            }
            return .manageSubscriptions(node: try required(), changes: changes)
        case ("affiliations", _):  // §8.9
            guard isSet else { return .manageAffiliations(node: try required(), changes: nil) }
            var changes: [AffiliationChange] = []
            for entry in verb.elements where entry.name == "affiliation" {
                guard let text = entry[attribute: "jid"], let jid = JID(text) else {
                    throw PubSubError(.badRequest, .invalidJID)
                }
                guard let affiliation = entry[attribute: "affiliation"].flatMap(Affiliation.init(rawValue:)) else {
                    throw PubSubError(.badRequest, text: "unknown affiliation")
                }
                changes.append(AffiliationChange(jid: jid.bare, affiliation: affiliation))
            }
            return .manageAffiliations(node: try required(), changes: changes)
        default:
            throw PubSubError(.featureNotImplemented, .unsupported, feature: verb.name, text: "unsupported owner request \(verb.name)")
        }
    }

    /// The data form inside `parent` (`<options/>`, `<configure/>`, `<publish-options/>`).
    private static func form(in parent: XMLElement?) throws(PubSubError) -> DataForm? {
        guard let parent else { return nil }
        do {
            return try DataForm.first(in: parent)
        } catch {
            throw PubSubError(.badRequest, text: error.description)
        }
    }

    /// XEP-0059 §2: `<set><max/><after/><before/></set>` beside the items request.
    private static func page(in pubsub: XMLElement) throws(PubSubError) -> ResultSetRequest? {
        guard let set = pubsub.firstChild(named: "set", namespace: PubSubNamespace.rsm) else { return nil }
        var max: Int?
        if let text = set.firstChild(named: "max")?.text {
            guard let value = Int(text), value >= 0 else { throw PubSubError(.badRequest, text: "bad RSM max") }
            max = value
        }
        return ResultSetRequest(
            max: max, after: set.firstChild(named: "after")?.text, before: set.firstChild(named: "before")?.text)
    }
}
