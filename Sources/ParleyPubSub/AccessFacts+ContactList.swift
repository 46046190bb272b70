import ParleyCore
import ParleyXMPP

extension AccessFacts {
    /// What the presence and roster access models need of one owner's contact list: each
    /// contact's subscription to the owner's presence (`from` or `both`) and its groups.
    public static func contacts(in list: ContactList) -> [JID: Contact] {
        var contacts: [JID: Contact] = [:]
        for contact in list.contacts.values {
            contacts[JID(contact.address)] = Contact(seesOwnerPresence: contact.subscription.from, groups: contact.groups)
        }
        return contacts
    }
}
