import ParleyCore
import ParleyXML
import ParleyXMPP

/// RFC 6121 §2: roster get (with versioning, §2.6), set and remove. Changes reach every
/// interested resource as roster pushes through the model (`C2SMind`).
struct RosterIQ: IQHandler {
    let namespace = XMPPNamespace.roster
    var features: [String] { [] }  // advertised as a stream feature (rosterver), not in disco

    func handle(_ request: IQRequest, connection: C2SConnection) async -> IQReply {
        // §2.1.3: the roster is the account's; only its own bare JID (or none) may be asked.
        if let to = request.to, to.localpart == nil || to.bare != request.from.bare {
            return .error(StanzaError(.forbidden))
        }
        guard let session = await connection.session, let mind = await connection.mind else {
            return .error(StanzaError(.notAuthorized))
        }
        if request.isSet {
            return await set(request, session: session)
        }
        mind.requestedRoster()
        do {
            let list = try await session.contactList()
            let version = String(list.version)
            // §2.6.3: the client's version is current: an empty result, changes come as pushes.
            if request.child[attribute: "ver"] == version { return .result(nil) }
            return .result(RosterItem.query(items: list.sorted.map(RosterItem.init), version: version))
        } catch {
            return .error(StanzaError(.internalServerError))
        }
    }

    private func set(_ request: IQRequest, session: ChatSession) async -> IQReply {
        let item: RosterItem
        do {
            item = try RosterItem.parseSet(request.child)
        } catch {
            return .error(error)
        }
        do {
            if item.subscription == .remove {
                // §2.5.3: removing an item that is not there is item-not-found.
                guard try await session.contactList()[item.jid.userID] != nil else {
                    return .error(StanzaError(.itemNotFound))
                }
                try await session.removeContact(item.jid.bare.userID)
            } else {
                // §2.3.3: an item for the user's own bare JID... is allowed (self-contact); any
                // other JID is stored bare.
                try await session.updateContact(item.jid.bare.userID, name: item.name, groups: Set(item.groups))
            }
            return .result(nil)
        } catch {
            return .error(StanzaError(.internalServerError))
        }
    }
}
