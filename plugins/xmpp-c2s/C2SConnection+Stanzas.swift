import Foundation
import ParleyCore
import ParleyMUC
import ParleyXML
import ParleyXMPP

extension C2SConnection {
    /// A stanza of the bound stream (the machine checked its namespace and `from`),
    /// routed by its name.
    func route(_ element: XMLElement, session: ChatSession) async {
        let to: JID?
        if let raw = element[attribute: "to"] {
            guard let parsed = JID(raw) else {
                reject(element, StanzaError(.jidMalformed))
                return
            }
            to = parsed
        } else {
            to = nil
        }
        // The MUC service, in process on the rooms' domain, takes the client's stanzas to
        // that domain as they are, with the client's session (one string comparison for
        // every other stanza).
        if let to, to.domain == shared.roomsDomain, let muc = shared.chat.componentHandler(for: to.domain) as? MUCService {
            guard let mind else { return }
            await muc.receive(element, to: to, session: session, client: C2SMUCClient(connection: self, mind: mind))
            return
        }
        switch element.name {
        case "message":
            if shared.hooks.hasMessageHooks, await offered(element, to: to, presence: false, session: session) { return }
            await routeMessage(element, to: to, session: session)
        case "presence":
            if shared.hooks.hasPresenceHooks, await offered(element, to: to, presence: true, session: session) { return }
            await routePresence(element, to: to, session: session)
        case "iq": await routeIQ(element, to: to, session: session)
        default: break  // the machine lets only these three through
        }
    }

    /// Offers a message or presence to the features' hooks before the default routing
    /// below; true when a hook took it (or refused it, answered here).
    private func offered(_ element: XMLElement, to: JID?, presence: Bool, session: ChatSession) async -> Bool {
        let stanza = RoutedStanza(element: element, to: to, domain: domain)
        let context = C2SContext(session: session, chat: shared.chat, logger: shared.logger, connection: self)
        let unexpected = { (error: any Error) in self.log(.error, "stanza hook failed", ["error": "\(error)"]) }
        let result =
            presence
            ? await shared.hooks.dispatch(presence: stanza, context: context, unexpected: unexpected)
            : await shared.hooks.dispatch(message: stanza, context: context, unexpected: unexpected)
        switch result {
        case .handled: return true
        case .unhandled: return false
        case .failed(let error):
            reject(element, error)
            return true
        }
    }

    /// Answers `stanza` with `error` unless it is itself an error (RFC 6120 §8.3.1).
    func reject(_ stanza: XMLElement, _ error: StanzaError) {
        guard stanza[attribute: "type"] != "error" else { return }
        var reply = error.reply(to: stanza)
        reply[attribute: "to"] = nil  // to the client itself
        if reply[attribute: "from"] == nil { reply[attribute: "from"] = session.map { JID($0.id).bare.description } }
        write(reply)
    }

    // MARK: Messages (RFC 6121 §5, §8.5)

    private func routeMessage(_ stanza: XMLElement, to: JID?, session: ChatSession) async {
        // §8.1.1.1: no `to` means the sender's own bare JID.
        let target = to ?? JID(session.id).bare
        guard target.domain == domain else {
            // A component's domain (XEP-0114), or nowhere: this server has no s2s.
            let message = codec.message(from: stanza, to: target.userAddress, sender: .session(session.id))
            do {
                try await session.send(message)
            } catch {
                if message.kind != .error && message.kind != .headline { reject(stanza, Self.stanzaError(for: error)) }
            }
            return
        }
        guard target.localpart != nil else {
            // §8.5.1: a message to the server itself; nothing here consumes messages.
            let kind = XMPPStanzaCodec.kind(ofMessageType: stanza[attribute: "type"])
            if kind == .chat || kind == .normal { reject(stanza, StanzaError(.serviceUnavailable)) }
            return
        }
        let message = codec.message(from: stanza, to: target.userAddress, sender: .session(session.id))
        do {
            try await session.send(message)
        } catch .recipientUnavailable {
            await undeliverable(stanza, message: message, from: session.id, to: target)
        } catch .notRoutable {
            reject(stanza, StanzaError(.remoteServerNotFound))
        } catch {
            reject(stanza, StanzaError(delivery: error))
        }
    }

    /// The stanza error for a delivery the model refused (RFC 6120 §8.3.3).
    static func stanzaError(for error: DeliveryError) -> StanzaError {
        StanzaError(delivery: error)
    }

    /// §8.5.2.2 and §8.5.3.2: no session took the message.
    private func undeliverable(_ stanza: XMLElement, message: Message, from sender: SessionID, to target: JID) async {
        switch message.kind {
        case .chat, .normal, .notice:
            guard let user = target.userID.username else {
                reject(stanza, StanzaError(.serviceUnavailable))
                return
            }
            var stored = stanza
            // The sender's session may have closed meanwhile: its address came with the message.
            stored[attribute: "from"] = JID(sender).description
            stored[attribute: "to"] = target.bare.description
            // XEP-0359 §5: only the recipient's archive names its ids.
            stored.children.removeAll {
                if case .element(let child) = $0 { StanzaID.isStanzaID(child, by: target.bare) } else { false }
            }
            var archived = message
            archived.timestamp = archived.timestamp ?? Date()
            archived.archiveID = await shared.chat.incomingArchiveID(for: archived, user: user)
            if let id = archived.archiveID {
                stored.append(StanzaID.element(id: id, by: target.bare.description))
            }
            let outcome = await shared.offlineKeeper.keep(stored, for: user, stamp: archived.timestamp!)
            if outcome == .kept { shared.chat.archiveKeptOffline(archived, user: user) }
            if let error = StanzaError(notKept: outcome) {
                log(outcome == .failed ? .error : .notice, "message not kept offline", ["user": "\(user)", "outcome": "\(outcome)"])
                reject(stanza, error)
            }
        case .room:
            reject(stanza, StanzaError(.serviceUnavailable))
        case .headline, .error:
            break  // silently ignored
        }
    }

    // MARK: Presence (RFC 6121 §3, §4)

    private func routePresence(_ stanza: XMLElement, to: JID?, session: ChatSession) async {
        let type = stanza[attribute: "type"]
        switch type {
        case "subscribe", "subscribed", "unsubscribe", "unsubscribed":
            // §3.1.1: subscription requests go to a bare JID; the server stamps ours.
            // A component's domain (`web.example.com`) may be a contact too.
            guard let to, to.localpart != nil || to.domain != domain, let request = SubscriptionRequest(rawValue: type!)
            else {
                reject(stanza, StanzaError(.jidMalformed, text: "subscription presence needs a contact's JID"))
                return
            }
            do {
                try await session.sendSubscription(request, to: to.bare.userID)
            } catch DeliveryError.blockedBySender {
                reject(stanza, .blocked)  // XEP-0191 §5.3
            } catch DeliveryError.blockedByRecipient {
                // XEP-0191 §5.3: presence from a blocked address is dropped without an error.
            } catch {
                log(.error, "subscription failed", ["error": "\(error)"])
                reject(stanza, StanzaError(.internalServerError))
            }
        case "probe", "error":
            break  // §4.3: probes are the server's business; errors are not answered
        case nil, "unavailable":
            var presence: Presence
            do {
                presence = try codec.presence(from: stanza)
            } catch {
                reject(stanza, error)
                return
            }
            // XEP-0398 §4: every available presence carries the avatar's hash, the server's.
            if presence.availability.isOnline, to == nil, let avatars = shared.avatars {
                presence.payloads.removeAll { $0.native?.key == "{\(AvatarConversion.updateNamespace)}x" }
                presence.payloads.append(codec.extensions.payload(for: await avatars.presenceUpdate(owner: JID(session.id).bare)))
            }
            if let to {
                // §4.6: directed presence, to a local user or to a component's address.
                guard to.localpart != nil || to.domain != domain else { return }
                let target = to.sessionID ?? SessionID(user: to.userID, resource: "")
                do {
                    try await session.sendDirectedPresence(presence, to: target)
                } catch .notRoutable {
                    reject(stanza, StanzaError(.remoteServerNotFound))
                } catch .blockedBySender {
                    reject(stanza, .blocked)  // XEP-0191 §5.3
                } catch {
                    // §4.6.2: directed presence to an unavailable entity is dropped silently.
                }
                return
            }
            await session.setPresence(presence)
            if presence.availability.isOnline && !sentInitialPresence {
                sentInitialPresence = true
                await deliverPendingAfterInitialPresence(session)
            } else if !presence.availability.isOnline {
                sentInitialPresence = false
            }
        default:
            reject(stanza, StanzaError(.badRequest, text: "unknown presence type"))
        }
    }

    /// After initial presence: subscription requests that waited (RFC 6121 §3.1.3) and
    /// offline messages with their delay stamps (XEP-0160, XEP-0203).
    private func deliverPendingAfterInitialPresence(_ session: ChatSession) async {
        let me = JID(session.id)
        if let list = try? await session.contactList() {
            for contact in list.sorted where contact.subscription.pendingIn {
                write(codec.element(for: .subscribe, from: JID(contact.address), to: me.bare))
            }
        }
        guard let user = session.user.username else { return }
        do {
            for var stanza in try await shared.offline.take(for: user) {
                stanza[attribute: "to"] = me.description
                write(stanza)
            }
        } catch {
            log(.error, "cannot read offline messages", ["error": "\(error)"])
        }
    }
}
