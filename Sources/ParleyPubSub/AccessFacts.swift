import ParleyXMPP

/// What the presence and roster access models (XEP-0060 §4.5) need to know about an
/// owner's contact list, handed in by the shell. In process it comes from the chat
/// service's contact lists; an external component cannot know them, and its nodes with
/// those models refuse everyone but their owners and explicit members.
public struct AccessFacts: Sendable {
    /// One contact of an owner: whether it has a subscription to the owner's presence
    /// (RFC 6121 `from` or `both`), and its groups in the owner's list.
    public struct Contact: Hashable, Sendable {
        public var seesOwnerPresence: Bool
        public var groups: Set<String>

        public init(seesOwnerPresence: Bool, groups: Set<String>) {
            self.seesOwnerPresence = seesOwnerPresence
            self.groups = groups
        }
    }

    /// By owner bare JID, then contact bare JID; an owner missing here is unknown.
    public var lists: [JID: [JID: Contact]]

    public init(lists: [JID: [JID: Contact]] = [:]) {
        self.lists = lists
    }

    /// No facts: the external component's case.
    public static let none = AccessFacts()

    /// The contact `contact` in `owner`'s list; nil when unknown or absent.
    func contact(_ contact: JID, of owner: JID) -> Contact? { lists[owner.bare]?[contact.bare] }
}
