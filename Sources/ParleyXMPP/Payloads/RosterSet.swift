import ParleyXML

/// The server-configured bounds RFC 6121 §2.3.3 leaves to the server, for roster sets.
public struct RosterLimits: Hashable, Sendable {
    /// Longest `name` attribute in UTF-8 bytes (§2.3.3: "greater than a server-configured
    /// limit" → not-acceptable). Default 1023, the bound RFC 7622 puts on each JID part.
    public var maximumNameBytes: Int
    /// Longest `<group/>` text in UTF-8 bytes (§2.3.3, same rule). Default 1023.
    public var maximumGroupBytes: Int
    /// Most `<group/>`s on one item; RFC 6121 sets no bound, Parley answers not-acceptable
    /// above it, like the other limits. Default 100.
    public var maximumGroups: Int

    public init(maximumNameBytes: Int = 1023, maximumGroupBytes: Int = 1023, maximumGroups: Int = 100) {
        self.maximumNameBytes = maximumNameBytes
        self.maximumGroupBytes = maximumGroupBytes
        self.maximumGroups = maximumGroups
    }

    public static let `default` = RosterLimits()
}

extension RosterItem {
    /// Reads the `<query xmlns='jabber:iq:roster'>` of a client's roster set (RFC 6121
    /// §2.1.5) and checks it as §2.3.3 (add), §2.4.3 (update) and §2.5 (remove) say.
    ///
    /// The result has `subscription` `.remove` for a deletion and `.none` otherwise: §2.1.5
    /// rule 2, the server "MUST ignore any value of the 'subscription' attribute other than
    /// 'remove'". `ask` and `approved` are ignored too: a client manages them with presence
    /// stanzas (§2.1.2.1, §2.1.2.2). An empty `name` means no name.
    ///
    /// Errors: not exactly one `<item/>` (§2.1.5 rule 1, §2.3.3), no `jid` (§2.1.2.3: it is
    /// REQUIRED) or duplicate groups (§2.3.3) → bad-request; a `jid` that is not a JID →
    /// jid-malformed (RFC 6120 §8.3.3.8); a name or group longer than `limits`, an empty
    /// group, or more groups than `limits` allow → not-acceptable (§2.3.3). Whether the
    /// sender may change this roster (§2.3.3: forbidden) and whether a removed item exists
    /// (§2.5.3: `itemNotFound`) are the caller's to decide.
    public static func parseSet(_ query: XMLElement, limits: RosterLimits = .default) throws(StanzaError) -> RosterItem
    {
        guard query.name == "query", query.namespace == XMPPNamespace.roster else {
            throw StanzaError(.badRequest, text: "not a jabber:iq:roster query")
        }
        let items = query.elements.filter { $0.name == "item" && $0.namespace == XMPPNamespace.roster }
        // §2.1.5 rule 1 / §2.3.3: "one and only one <item/>".
        guard items.count == 1, let element = items.first else {
            throw StanzaError(.badRequest, text: "a roster set carries exactly one <item/>, not \(items.count)")
        }
        guard let text = element[attribute: "jid"] else {
            throw StanzaError(.badRequest, text: "roster item without a jid")
        }
        guard let jid = JID(text) else { throw StanzaError(.jidMalformed, text: "roster item jid '\(text)'") }
        // §2.5.1: a removal needs nothing but the jid.
        if element[attribute: "subscription"] == SubscriptionState.remove.rawValue {
            return RosterItem(removing: jid)
        }
        var name = element[attribute: "name"]
        if name?.isEmpty == true { name = nil }
        if let name, name.utf8.count > limits.maximumNameBytes {
            throw StanzaError(.notAcceptable, text: "roster item name longer than \(limits.maximumNameBytes) bytes")
        }
        let groups = element.elements.filter { $0.name == "group" && $0.namespace == XMPPNamespace.roster }.map(\.text)
        guard groups.count <= limits.maximumGroups else {
            throw StanzaError(.notAcceptable, text: "more than \(limits.maximumGroups) groups on one roster item")
        }
        var seen: Set<String> = []
        for group in groups {
            // §2.3.3: an empty group is not-acceptable ("to remove an item from all groups,
            // the client instead needs to exclude any <group/> element").
            guard !group.isEmpty else { throw StanzaError(.notAcceptable, text: "empty roster group") }
            guard group.utf8.count <= limits.maximumGroupBytes else {
                throw StanzaError(.notAcceptable, text: "roster group longer than \(limits.maximumGroupBytes) bytes")
            }
            // §2.3.3: duplicate groups are a bad request (String equality is canonical
            // equivalence, so differently composed forms of a name count as one).
            guard seen.insert(group).inserted else {
                throw StanzaError(.badRequest, text: "roster group '\(group)' appears twice")
            }
        }
        return RosterItem(jid: jid, name: name, groups: groups)
    }

    /// RFC 6121 §2.5.3: removing an item that is not in the roster.
    public static let itemNotFound = StanzaError(.itemNotFound, text: "no such roster item")

    /// RFC 6121 §2.1.5, §2.3.3: the sender may not change this roster.
    public static let forbidden = StanzaError(.forbidden, text: "only the account itself may change its roster")

    /// The version a client's roster get names (RFC 6121 §2.6.2, `ver`), nil when absent.
    public static func requestedVersion(in query: XMLElement) -> String? {
        query[attribute: "ver"]
    }
}
