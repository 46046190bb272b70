import ParleyCore
import ParleyPubSub
import ParleyXMPP

/// Where the presence and roster access models (XEP-0060 §4.5) learn an owner's contact
/// list. In process, from the chat service's contact lists (owners on its domain); as an
/// external component, nowhere: such nodes then refuse everyone but their affiliates with
/// the XEP's errors (§6.1.3.2 presence-subscription-required, §6.1.3.3 not-in-roster-group).
enum PubSubContacts: Sendable {
    case local(any ContactListStore, domain: String)
    case unknown

    /// The contact lists of `owners` that can be read; an unreadable one is left out (its
    /// node then refuses, as for an unknown owner).
    func facts(for owners: [JID]) async -> AccessFacts {
        guard case .local(let store, let domain) = self, !owners.isEmpty else { return .none }
        var lists: [JID: [JID: AccessFacts.Contact]] = [:]
        for owner in owners where owner.domain == domain {
            guard let user = owner.userID.username, let list = try? await store.contactList(of: user) else { continue }
            lists[owner.bare] = AccessFacts.contacts(in: list)
        }
        return AccessFacts(lists: lists)
    }
}
