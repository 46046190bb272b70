import ParleyCore
import ParleyXML
import ParleyXMPP

/// RFC 6121 §2: roster get (with versioning, §2.6), set and remove. Changes reach every
/// interested resource as roster pushes through the model (`C2SMind`). Advertised as a
/// stream feature (rosterver), not in disco.
struct RosterFeature: C2SFeature {
    func register(in hooks: inout C2SHooks) {
        hooks.onIQ(.get, namespace: XMPPNamespace.roster) { request, context in
            try Self.checkOwnRoster(request)
            await context.mind?.requestedRoster()
            do {
                let list = try await context.session.contactList()
                let version = String(list.version)
                // §2.6.3: the client's version is current: an empty result, changes come as pushes.
                if request.child[attribute: "ver"] == version { return .result(nil) }
                return .result(RosterItem.query(items: list.sorted.map(RosterItem.init), version: version))
            } catch {
                return .error(StanzaError(.internalServerError))
            }
        }
        hooks.onIQ(.set, namespace: XMPPNamespace.roster) { request, context in
            try Self.checkOwnRoster(request)
            let item = try RosterItem.parseSet(request.child)
            let session = context.session
            do {
                if item.subscription == .remove {
                    // §2.5.3: removing an item that is not there is item-not-found.
                    guard try await session.contactList()[item.jid.userID] != nil else {
                        return .error(StanzaError(.itemNotFound))
                    }
                    try await session.removeContact(item.jid.bare.userID)
                } else {
                    // §2.3.3: an item for the user's own bare JID is allowed (self-contact);
                    // any other JID is stored bare.
                    try await session.updateContact(item.jid.bare.userID, name: item.name, groups: Set(item.groups))
                }
                return .result(nil)
            } catch {
                return .error(StanzaError(.internalServerError))
            }
        }
    }

    /// §2.1.3: the roster is the account's; only its own bare JID (or none) may be asked.
    static func checkOwnRoster(_ request: IQRequest) throws(StanzaError) {
        if let to = request.to, to.localpart == nil || to.bare != request.from.bare {
            throw StanzaError(.forbidden)
        }
    }
}
