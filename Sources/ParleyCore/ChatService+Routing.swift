import Foundation

/// Routing shared by sessions and components: a message, a query, a subscription or a
/// probe goes to a local user, or to the component that serves the address's domain.
/// The per-message entry points are `nonisolated(nonsending)`: they run on the caller's
/// executor (a connection's event loop) up to the hop to the user's home, instead of
/// hopping to the global executor first.
extension ChatService {
    // MARK: Messages (RFC 6121 §8.5)

    /// Delivers a message addressed to a user or a session; rooms are the sender's business.
    /// A local recipient's archive keeps it once a session took it (XEP-0313), and the
    /// recipient's other sessions that asked for copies get one (XEP-0280).
    nonisolated(nonsending) func route(_ message: Message) async throws(DeliveryError) {
        let target: (user: UserID, resource: String?)
        switch message.to {
        case .user(let user): target = (user, nil)
        case .session(let session): target = (session.user, session.resource)
        case .room, .occupant: throw .room(.noSuchRoom)
        }
        guard target.user.domain == domain else {
            // The id the sender's archive gave is not the remote recipient's (XEP-0359 §3).
            var outgoing = message
            outgoing.archiveID = nil
            return try routeOut(.message(outgoing), to: message.to)
        }
        // XEP-0191 §5.3: nothing reaches a user from an address it blocks, not even offline storage.
        if await blocks(target.user, message.from) { throw .blockedByRecipient }
        guard let home = users[target.user] else { throw .recipientUnavailable }
        var message = message
        var archive: (any UserArchive)?
        // A message to oneself is in the archive once, as sent (`ChatSession.sendOneToOne`).
        let toSelf = message.from.user == target.user
        if !toSelf, let owner = target.user.username, let peer = message.from.user {
            archive = await archives(message, owner: owner, peer: peer)
            if archive != nil, message.archiveID == nil { message.archiveID = MessageID.mint() }
        }
        // XEP-0359: the recipient sees an id only when its own archive keeps the message.
        if archive == nil && !toSelf { message.archiveID = nil }
        var delivered = await home.deliverMessage(message, toResource: target.resource) ?? 0
        // RFC 6121 §8.5.3.2.1: no such session — chat and normal fall back to the user as a
        // whole; anything else is not delivered.
        if delivered == 0, target.resource != nil, message.kind == .chat || message.kind == .normal {
            delivered = await home.deliverMessage(message, toResource: nil) ?? 0
        }
        guard delivered > 0 else { throw .recipientUnavailable }
        if let archive, let owner = target.user.username { append(message, to: archive, owner: owner, peer: message.from) }
    }

    /// Delivers `message` with its `from` as it is, for server-side code that speaks for an
    /// account rather than one of its sessions (XEP-0163: PEP notifications come from the
    /// owner's bare JID). Sessions send with `ChatSession.send`, which sets `from`.
    nonisolated(nonsending) public func deliver(_ message: Message) async throws(DeliveryError) {
        try await route(message)
    }

    /// Delivers `query` with its `from` as it is, for server-side code that speaks for an
    /// account (XEP-0357: a push notification goes from the user's bare address to its app
    /// server). Sessions send with `ChatSession.send`, which sets `from`.
    nonisolated(nonsending) public func deliver(_ query: Query) async throws(DeliveryError) {
        try await route(query)
    }

    /// Delivers a query to one session, or to the component serving its domain.
    nonisolated(nonsending) func route(_ query: Query) async throws(DeliveryError) {
        guard query.to.user.domain == domain else { return try routeOut(.query(query), to: .session(query.to)) }
        guard let home = users[query.to.user],
            await home.deliver(.query(query), toResource: query.to.resource) == true
        else { throw .recipientUnavailable }
    }

    /// Hands `event` to the component serving the domain of `address`.
    private func routeOut(_ event: ChatEvent, to address: Address) throws(DeliveryError) {
        guard let route = componentRoute(for: address) else { throw .notRoutable(address.user?.domain ?? "") }
        try route.deliverOrThrow(event, to: address)
    }

    /// Directed presence (RFC 6121 §4.6) to every available session of a user, or to one
    /// session only.
    nonisolated(nonsending) func routePresence(_ presence: Presence, from: SessionID, to target: Address) async throws(DeliveryError) {
        let event = ChatEvent.presence(from: from, presence)
        guard let user = target.user else { throw .notRoutable("") }
        guard user.domain == domain else { return try routeOut(event, to: target) }
        guard let home = users[user] else { throw .recipientUnavailable }
        let delivered: Bool =
            switch target {
            case .session(let session) where !session.resource.isEmpty:
                await home.deliver(event, toResource: session.resource) ?? false
            default:
                await home.deliverToAvailable(event) > 0
            }
        if !delivered { throw .recipientUnavailable }
    }

    // MARK: Subscriptions (RFC 6121 §3, Appendix A)

    /// The contact's side of a subscription stanza `from` sent to `to` once the sender's side
    /// has let it through: the inbound state change, the push, the request to the contact's
    /// sessions or the automatic answer, and the presence that follows (§3.1.5, §3.2.2, §3.3.3).
    /// A contact on a component's domain gets the stanza itself.
    func deliverSubscription(_ request: SubscriptionRequest, from: UserID, to contact: UserID) async throws {
        if contact.domain != domain {
            _ = routeToComponent(.subscription(from: from, request), to: .user(contact))
        } else if let theirName = contact.username {
            let inbound: Subscription.Event =
                switch request {
                case .subscribe: .inboundSubscribe
                case .subscribed: .inboundSubscribed
                case .unsubscribe: .inboundUnsubscribe
                case .unsubscribed: .inboundUnsubscribed
                }
            let (disposition, change) = try await applySubscription(inbound, owner: theirName, contact: from)
            if let (entry, version) = change {
                await deliverToAll(.contactUpdated(entry, version: version), of: contact)
            }
            switch disposition {
            case .forward:
                await deliverToAvailable(.subscription(from: from, request), of: contact)
            case .autoApprove:
                // §3.1.3: already subscribed or pre-approved: the contact's server answers,
                // and the requester hears the answer even when its state does not change.
                if from.domain == domain, let requester = from.username {
                    let (_, change) = try await applySubscription(.inboundSubscribed, owner: requester, contact: contact)
                    if let (entry, version) = change {
                        await deliverToAll(.contactUpdated(entry, version: version), of: from)
                    }
                    await deliverToAvailable(.subscription(from: contact, .subscribed), of: from)
                    await sendPresence(of: contact, to: from)
                } else {
                    try await deliverSubscription(.subscribed, from: contact, to: from)
                }
            case .drop:
                break
            }
        } else {
            return
        }
        switch request {
        case .subscribed:
            // §3.1.5: the new subscriber gets the user's current presence.
            await sendPresence(of: from, to: contact)
        case .unsubscribed:
            // §3.2.2: the former subscriber is told the user is unavailable to it now.
            await sendUnavailable(of: from, to: contact)
        case .unsubscribe:
            // §3.3.3: the user no longer sees the contact.
            await sendUnavailable(of: contact, to: from)
        case .subscribe:
            break
        }
    }

    /// Applies one Appendix A event to `owner`'s entry for `contact`; returns the
    /// disposition and the changed entry with the list's new version, if it changed.
    func applySubscription(_ event: Subscription.Event, owner: Username, contact: UserID) async throws
        -> (Subscription.Disposition, (Contact, UInt64)?)
    {
        try await contacts.updateContactList(of: owner) { list in
            let before = list[contact]
            let disposition = list.applySubscription(event, with: contact)
            let after = list[contact]
            return (disposition, after != before ? after.map { ($0, list.version) } : nil)
        }
    }

    func sendPresence(of source: UserID, to target: UserID) async {
        guard await presencePasses(between: source, and: target) else { return }
        for (session, presence) in await availableSessions(of: source) {
            await deliverToAvailable(.presence(from: session, presence), of: target)
        }
    }

    func sendUnavailable(of source: UserID, to target: UserID) async {
        for session in await availableSessions(of: source).keys {
            await deliverToAvailable(.presence(from: session, .unavailable), of: target)
        }
    }

    // MARK: Probes (RFC 6121 §4.3)

    /// Answers a probe of local `user` sent by `prober` (on a component's domain): the
    /// presence of each available session when `prober` is subscribed to it, unavailable
    /// from the bare address when none is; an unsubscribed prober learns nothing but
    /// `unsubscribed` (§4.3.2).
    func answerProbe(of user: UserID, from prober: UserID) async throws(DeliveryError) {
        guard user.domain == domain, let name = user.username else { throw .notRoutable(user.domain) }
        let list = (try? await contacts.contactList(of: name)) ?? ContactList()
        guard list[prober]?.subscription.from == true else {
            _ = routeToComponent(.subscription(from: user, .unsubscribed), to: .user(prober))
            return
        }
        let sessions = await availableSessions(of: user)
        if sessions.isEmpty {
            _ = routeToComponent(.presence(from: SessionID(user: user, resource: ""), .unavailable), to: .user(prober))
        }
        for (session, presence) in sessions {
            _ = routeToComponent(.presence(from: session, presence), to: .user(prober))
        }
    }
}
