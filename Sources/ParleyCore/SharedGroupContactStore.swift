/// A user's own contact list with the contacts of their shared groups laid over it, as
/// ejabberd's shared roster: the base store keeps what is personal, the sources say who
/// shares a group with whom.
///
/// Reading: every shared contact appears with subscription both, the shared groups plus
/// the base entry's own groups, and the base entry's name or else the directory's display
/// name. The version is `(base version << 32) | generation`, the generation being the sum
/// of the sources' generations (32 bits), so a roster version changes when either side does.
///
/// Writing (`updateContactList`): `change` runs on the merged list, then only the personal
/// part goes back to the base. For a shared address that means: a rename (a name other than
/// the display name), groups that are not shared ones, or a subscription change; an entry
/// left equal to the overlay is dropped from the base. Removing a shared contact removes
/// its personal part only: it stays on the list as long as the group is shared (as in
/// ejabberd). When `change` alters the list by k steps, the base version moves by k too,
/// so that no version the caller saw inside `change` can later name different contents.
///
/// A source that throws is treated as offering nothing: the base list alone is read or
/// changed (no logging here; the source logs its own failures).
public final class SharedGroupContactStore: ContactListStore {
    /// The store of personal contact lists.
    public let base: any ContactListStore
    /// The shared-group sources, merged in order.
    public let sources: [any SharedGroupSource]
    /// The domain of the users the sources name.
    public let domain: String

    public init(base: any ContactListStore, sources: [any SharedGroupSource], domain: String) {
        self.base = base
        self.sources = sources
        self.domain = domain
    }

    /// The shared contacts of `user` by address, and the summed generation; empty with
    /// generation 0 when a source fails.
    func overlay(of user: Username) async -> Overlay {
        var contacts: [UserID: SharedContact] = [:]
        var generation: UInt32 = 0
        for source in sources {
            guard let (shared, sourceGeneration) = try? await source.sharedContacts(of: user) else {
                return Overlay(contacts: [:], generation: 0)
            }
            generation &+= sourceGeneration
            for contact in shared where contact.user != user {
                let address = UserID(contact.user, domain: domain)
                if var known = contacts[address] {
                    known.groups.formUnion(contact.groups)
                    known.name = known.name ?? contact.name
                    contacts[address] = known
                } else {
                    contacts[address] = contact
                }
            }
        }
        return Overlay(contacts: contacts, generation: generation)
    }

    public func contactList(of user: Username) async throws -> ContactList {
        let overlay = await overlay(of: user)
        return overlay.merged(with: try await base.contactList(of: user))
    }

    public func updateContactList<Result: Sendable>(
        of user: Username, _ change: @Sendable (inout ContactList) throws -> Result
    ) async throws -> Result {
        let overlay = await overlay(of: user)
        return try await base.updateContactList(of: user) { stored in
            let before = overlay.merged(with: stored)
            var after = before
            let result = try change(&after)
            if after.version != before.version {
                stored = overlay.personal(before: before, after: after, stored: stored)
            }
            return result
        }
    }
}

/// The shared contacts of one user at one generation.
struct Overlay: Sendable {
    var contacts: [UserID: SharedContact]
    var generation: UInt32

    /// The shared-only entry of `address`.
    func sharedEntry(_ address: UserID, _ shared: SharedContact) -> Contact {
        Contact(address: address, name: shared.name, groups: shared.groups, subscription: Self.both)
    }

    static let both = Subscription(to: true, from: true)

    /// `list` with the shared contacts laid over it.
    func merged(with list: ContactList) -> ContactList {
        var contacts = list.contacts
        for (address, shared) in self.contacts {
            if let own = contacts[address] {
                contacts[address] = Contact(
                    address: address, name: own.name ?? shared.name, groups: shared.groups.union(own.groups),
                    subscription: Self.both)
            } else {
                contacts[address] = sharedEntry(address, shared)
            }
        }
        return ContactList(contacts: Array(contacts.values), version: list.version << 32 | UInt64(generation))
    }

    /// The base list to store after `change` turned the merged `before` into `after`:
    /// personal entries as changed, shared entries reduced to their personal part, and a
    /// version `after.version - before.version` steps ahead of `stored`'s.
    func personal(before: ContactList, after: ContactList, stored: ContactList) -> ContactList {
        var result = stored.contacts
        let addresses = Set(before.contacts.keys).union(after.contacts.keys)
        for address in addresses where before[address] != after[address] {
            guard let shared = contacts[address] else {
                result[address] = after[address]
                continue
            }
            // A shared address: removing it removes the personal part only.
            guard let changed = after[address] else {
                result[address] = nil
                continue
            }
            let own = stored[address]
            let name = changed.name == shared.name ? nil : changed.name
            let groups = changed.groups.subtracting(shared.groups).union(own?.groups.intersection(changed.groups) ?? [])
            let subscription =
                changed.subscription == before[address]?.subscription
                ? (own?.subscription ?? Subscription.none) : changed.subscription
            if name == nil, groups.isEmpty, subscription == Subscription.none {
                result[address] = nil
            } else {
                result[address] = Contact(address: address, name: name, groups: groups, subscription: subscription)
            }
        }
        // `change` bumps the version once per step; a list it replaced wholesale counts as one.
        let steps = after.version > before.version ? min(after.version - before.version, 1 << 20) : 1
        return ContactList(contacts: Array(result.values), version: stored.version &+ steps)
    }
}
