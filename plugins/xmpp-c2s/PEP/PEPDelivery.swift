import Foundation
import ParleyCore
import ParleyPubSub
import ParleyXML
import ParleyXMPP

/// Sends PEP events (XEP-0163 §4.3) through the model, from the owner's bare JID: to
/// explicit subscribers, and to every available resource of the owner and of its
/// contacts whose client asked for the node with "+notify" (XEP-0115 capabilities
/// carried in the resource's presence, read through `caps`).
struct PEPDelivery: Sendable {
    let chat: ChatService
    let codec: XMPPExtensionCodec
    let caps: CapsCache
    let services: PEPServices
    /// Whether an account exists (the c2s listener's account store).
    let exists: @Sendable (Username) async -> Bool

    /// Whether `jid` is an account here (RFC 6121 §8.5.2.2: no service for others).
    func isAccount(_ jid: JID) async -> Bool {
        guard jid.domain == chat.domain, jid.resource == nil, let name = jid.userID.username else { return false }
        return await exists(name)
    }

    /// `owner`'s contact list; empty when it cannot be read.
    func contactList(of owner: JID) async -> ContactList {
        guard let name = owner.userID.username else { return ContactList() }
        return (try? await chat.contacts.contactList(of: name)) ?? ContactList()
    }

    /// What XEP-0060's presence and roster access models need of `owner`'s list.
    static func facts(owner: JID, list: ContactList) -> AccessFacts {
        AccessFacts(lists: [owner.bare: AccessFacts.contacts(in: list)])
    }

    /// §4.3.1: who could hear of `owner`'s events: the owner and its contacts with a
    /// subscription to its presence.
    static func candidates(owner: JID, list: ContactList) -> [JID] {
        [owner.bare] + list.contacts.values.filter { $0.subscription.from }.map { JID($0.address) }
    }

    /// Sends the explicit subscribers' notifications, then each announcement to the
    /// resources of its audience that want the node, each full JID once.
    func send(_ notifications: [PubSubNotification], _ announcements: [PEPServices.Announcement], from owner: JID) async {
        var sent = Set<JID>()
        for notification in notifications {
            sent.insert(notification.to)
            await deliver(notification.payload, type: notification.type, from: owner, to: notification.to, delay: notification.delay)
        }
        for announcement in announcements {
            var reached = sent
            var targets: [Address] = []
            for contact in announcement.audience {
                for (session, presence) in await chat.availableSessions(of: contact.userID) {
                    guard !reached.contains(JID(session)), wants(announcement.node, presence) else { continue }
                    reached.insert(JID(session))
                    targets.append(.session(session))
                }
            }
            // One event to many resources: rendered once (`ChatService.deliver(_:toEach:)`).
            let message = Message(kind: .headline, from: .user(owner.userID), to: .user(owner.userID),
                payloads: codec.payloads(from: [announcement.event]))
            await chat.deliver(message, toEach: targets)
        }
    }

    /// §4.3.4: the last items of the nodes `wanted` by the resource `session`, from its own
    /// account and each contact whose presence it receives.
    func sendLastItems(wanted: Set<String>, to session: JID) async {
        guard !wanted.isEmpty else { return }
        let contact = session.bare
        let mine = await contactList(of: contact)
        let owners = [contact] + mine.contacts.values.filter { $0.subscription.to }.map { JID($0.address) }
        for owner in owners where owner.domain == chat.domain {
            guard await services.hasItems(of: owner, in: wanted) else { continue }
            let facts = owner == contact ? AccessFacts.none : Self.facts(owner: owner, list: await contactList(of: owner))
            for (event, published) in await services.lastItemEvents(of: owner, in: wanted, for: contact, facts: facts) {
                await deliver(event, type: .headline, from: owner, to: session, delay: published)
            }
        }
    }

    /// Whether the resource with `presence` asked for `node`'s events (XEP-0163 §4.2).
    private func wants(_ node: String, _ presence: Presence) -> Bool {
        for payload in presence.payloads {
            guard let native = payload.native, native.key == Self.capsKey, let element = native.value as? XMLElement,
                let caps = EntityCapabilities(element: element)
            else { continue }
            return self.caps.features(for: caps.ver)?.contains(node + "+notify") ?? false
        }
        return false
    }

    private static let capsKey = "{\(XMPPNamespace.caps)}c"

    /// One event as a message from `owner`'s bare JID to `to` (a full or bare JID); an item
    /// sent after the fact carries when it was published (XEP-0203, XEP-0060 §6.1.7).
    private func deliver(
        _ event: XMLElement, type: NodeConfiguration.NotificationType, from owner: JID, to: JID, delay: Date? = nil
    ) async {
        let address: Address = if let session = to.sessionID { .session(session) } else { .user(to.userID) }
        let message = Message(
            kind: type == .headline ? .headline : .normal, from: .user(owner.userID), to: address,
            payloads: codec.payloads(from: [event]) + (delay.map { [ExtensionPayload(meaning: .timestamp($0))] } ?? []))
        try? await chat.deliver(message)
    }
}
