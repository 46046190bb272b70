import ParleyCore
import ParleyXML

/// One `<item/>` of a `jabber:iq:roster` query (RFC 6121 §2.1.2): a contact as the client
/// sees it, in roster results, pushes and sets.
public struct RosterItem: Hashable, Sendable {
    /// RFC 6121 §2.1.2.5: the `subscription` attribute; `remove` only in sets and pushes.
    public enum SubscriptionState: String, Hashable, Sendable, CaseIterable {
        case none, to, from, both, remove
    }

    /// RFC 6121 §2.1.2.3: the contact's JID (REQUIRED).
    public var jid: JID
    /// RFC 6121 §2.1.2.4: the handle the user gave the contact; nil when none.
    public var name: String?
    public var subscription: SubscriptionState
    /// RFC 6121 §2.1.2.2: `ask='subscribe'`, the user's request is pending (pending-out).
    public var askSubscribe: Bool
    /// RFC 6121 §2.1.2.1: `approved='true'`, the user pre-approved the contact (§3.4).
    public var approved: Bool
    /// RFC 6121 §2.1.2.6: the `<group/>` children, in order.
    public var groups: [String]

    public init(
        jid: JID, name: String? = nil, subscription: SubscriptionState = .none, askSubscribe: Bool = false,
        approved: Bool = false, groups: [String] = []
    ) {
        self.jid = jid
        self.name = name
        self.subscription = subscription
        self.askSubscribe = askSubscribe
        self.approved = approved
        self.groups = groups
    }

    /// The item for a model contact: `to`/`from` map to none/to/from/both (§2.1.2.5),
    /// pending-out to `ask='subscribe'` (§2.1.2.2), pre-approval to `approved='true'`
    /// (§2.1.2.1); groups sorted, for stable output.
    public init(_ contact: Contact) {
        let state = contact.subscription
        self.init(
            jid: JID(contact.address), name: contact.name,
            subscription: SubscriptionState(rawValue: state.summary) ?? .none, askSubscribe: state.pendingOut,
            approved: state.preApproved, groups: contact.groups.sorted())
    }

    /// The item of a roster push announcing that `jid` was removed (RFC 6121 §2.5.2).
    public init(removing jid: JID) {
        self.init(jid: jid, subscription: .remove)
    }

    /// The `<item/>` element, as a server sends it in results and pushes.
    public var element: XMLElement {
        var item = XMLElement(name: "item", namespace: XMPPNamespace.roster)
        item[attribute: "jid"] = jid.description
        item[attribute: "name"] = name
        item[attribute: "subscription"] = subscription.rawValue
        if askSubscribe { item[attribute: "ask"] = "subscribe" }
        if approved { item[attribute: "approved"] = "true" }
        for group in groups { item.append(text: group, in: "group", namespace: XMPPNamespace.roster) }
        return item
    }

    /// Reads an `<item/>` as a server sent it (a roster result or push, RFC 6121 §2.1.4):
    /// a missing or malformed `jid` is an error; an absent or unknown `subscription` is
    /// `none`.
    public init(element: XMLElement) throws(StanzaError) {
        guard let text = element[attribute: "jid"] else {
            throw StanzaError(.badRequest, text: "roster item without a jid")
        }
        guard let jid = JID(text) else { throw StanzaError(.jidMalformed, text: "roster item jid '\(text)'") }
        self.init(
            jid: jid, name: element[attribute: "name"],
            subscription: element[attribute: "subscription"].flatMap(SubscriptionState.init(rawValue:)) ?? .none,
            askSubscribe: element[attribute: "ask"] == "subscribe",
            approved: element[attribute: "approved"] == "true" || element[attribute: "approved"] == "1",
            groups: element.elements.filter { $0.name == "group" && $0.namespace == XMPPNamespace.roster }.map(\.text))
    }
}

extension RosterItem {
    /// The `<query xmlns='jabber:iq:roster' ver='…'>` of a roster result (RFC 6121 §2.1.4)
    /// or push (§2.1.6); `version` is the roster version of §2.6, nil when not versioned.
    public static func query(items: [RosterItem], version: String?) -> XMLElement {
        var query = XMLElement(name: "query", namespace: XMPPNamespace.roster)
        query[attribute: "ver"] = version
        for item in items { query.append(item.element) }
        return query
    }

    /// The items of a roster result or push query.
    public static func items(of query: XMLElement) throws(StanzaError) -> [RosterItem] {
        var items: [RosterItem] = []
        for child in query.elements where child.name == "item" && child.namespace == XMPPNamespace.roster {
            items.append(try RosterItem(element: child))
        }
        return items
    }
}
