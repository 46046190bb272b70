/// One entry of a user's contact list: who, under which name and groups, and the
/// presence-subscription state between the two (an XMPP roster item, an IRC MONITOR entry).
public struct Contact: Hashable, Sendable {
    /// The contact's address.
    public var address: UserID
    /// A display name the owner chose; nil when none was set.
    public var name: String?
    /// The owner's groups for this contact, unordered and without duplicates.
    public var groups: Set<String>
    /// The subscription state, RFC 6121 §3.
    public var subscription: Subscription

    public init(
        address: UserID, name: String? = nil, groups: Set<String> = [],
        subscription: Subscription = .none
    ) {
        self.address = address
        self.name = name
        self.groups = groups
        self.subscription = subscription
    }
}

/// A user's whole contact list with a version that changes with every modification, so
/// that a client can ask for the changes since the version it saw (RFC 6121 §2.6).
public struct ContactList: Hashable, Sendable {
    /// Contacts by address.
    public private(set) var contacts: [UserID: Contact]
    /// Increases with every change; 0 for a list that was never written.
    public private(set) var version: UInt64

    public init(contacts: [Contact] = [], version: UInt64 = 0) {
        self.contacts = Dictionary(contacts.map { ($0.address, $0) }, uniquingKeysWith: { _, new in new })
        self.version = version
    }

    /// The contact with `address`, if listed.
    public subscript(address: UserID) -> Contact? { contacts[address] }

    /// Contacts sorted by address, for stable output.
    public var sorted: [Contact] { contacts.values.sorted { $0.address < $1.address } }

    /// Adds or replaces `contact` and bumps the version.
    public mutating func upsert(_ contact: Contact) {
        contacts[contact.address] = contact
        version += 1
    }

    /// Removes the contact with `address` and bumps the version; returns what was removed.
    @discardableResult
    public mutating func remove(_ address: UserID) -> Contact? {
        guard let removed = contacts.removeValue(forKey: address) else { return nil }
        version += 1
        return removed
    }

    /// Applies a subscription event to the contact with `address` (adding it when the event
    /// creates state, as an inbound request does) and returns the disposition.
    public mutating func applySubscription(_ event: Subscription.Event, with address: UserID)
        -> Subscription.Disposition
    {
        var contact = contacts[address] ?? Contact(address: address)
        let before = contact
        let disposition = contact.subscription.apply(event)
        if contact != before {
            upsert(contact)
        }
        return disposition
    }

    /// Contacts that receive the owner's presence (`from` or `both`).
    public var presenceSubscribers: [UserID] {
        contacts.values.filter { $0.subscription.from }.map(\.address)
    }

    /// Contacts whose presence the owner receives (`to` or `both`).
    public var presenceTargets: [UserID] {
        contacts.values.filter { $0.subscription.to }.map(\.address)
    }
}

/// Where contact lists live. The credential store supplies it, so that the same pluggable
/// store says both who may log in and whom they know (flat files, LDAP, a custom store).
public protocol ContactListStore: Sendable {
    /// The list of `user`; an empty list when none was stored.
    func contactList(of user: Username) async throws -> ContactList

    /// Runs `change` on the stored list of `user` and writes the result atomically, with no
    /// lost update when several writers change the same list. Returns `change`'s result.
    func updateContactList<Result: Sendable>(
        of user: Username, _ change: @Sendable (inout ContactList) throws -> Result
    ) async throws -> Result
}
