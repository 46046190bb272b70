import ParleyCore
import ParleyXML
import ParleyXMPP

/// The users of another XMPP server that talk to this process's rooms, each as a session
/// of the model: the users of the server an external MUC component is attached to
/// (XEP-0114), or the users of remote domains over server-to-server streams. Room events
/// go back to each one's full JID as XEP-0045 stanzas through `post`. A user's session
/// ends once it is in no room, and all of them (or one domain's) when the adapter says their
/// server is gone (`serverGone`).
///
/// Stanzas are handled one at a time, in the order given.
public actor MUCRemoteOccupants {
    public nonisolated let service: MUCService
    private let post: @Sendable (XMLElement) -> Void
    private let accepts: @Sendable (JID) -> Bool
    private let remoteUsers: Bool
    private let sessionsPerDomain: Int
    private var sessions: [String: (session: ChatSession, mind: MUCRemoteOccupantMind)] = [:]

    /// `post` writes a stanza (in `service.codec`'s namespace) towards its `to`; `accepts`
    /// says which senders may hold a session here; `remoteUsers` opens those sessions as
    /// users of remote domains (federation) rather than of the chat domain, at most
    /// `sessionsPerDomain` for one domain.
    public init(
        service: MUCService, remoteUsers: Bool, sessionsPerDomain: Int = .max, accepts: @escaping @Sendable (JID) -> Bool,
        post: @escaping @Sendable (XMLElement) -> Void
    ) {
        self.service = service
        self.remoteUsers = remoteUsers
        self.sessionsPerDomain = sessionsPerDomain
        self.accepts = accepts
        self.post = post
    }

    /// The users of `domain` (nil: of every domain) are gone with their server: they leave
    /// their rooms.
    public func serverGone(domain: String? = nil) async {
        let leaving = sessions.filter { domain == nil || $0.value.session.id.user.domain == domain }
        for key in leaving.keys { sessions[key] = nil }
        for entry in leaving.values { await entry.session.close(reason: nil, message: "the XMPP server went away") }
    }

    /// One stanza from a user of the other server to an address of the MUC service.
    public func handle(_ stanza: XMLElement) async {
        guard let from = stanza[attribute: "from"].flatMap(JID.init), let to = stanza[attribute: "to"].flatMap(JID.init) else {
            return
        }
        let type = stanza[attribute: "type"]
        let key = from.description
        let opening = !(stanza.name == "presence" && type == "unavailable") && type != "error"
        let found: (session: ChatSession, mind: MUCRemoteOccupantMind)?
        do {
            found = try await session(for: from, key: key, opening: opening)
        } catch .full {
            refuse(stanza, StanzaError(.resourceConstraint, type: .wait, text: "too many users of \(from.domain) here"))
            return
        } catch {
            refuse(stanza, StanzaError(.notAllowed, text: "this service does not serve \(from.domain)"))
            return
        }
        guard let entry = found else { return }
        await service.receive(stanza, to: to, session: entry.session, client: entry.mind)
        if entry.session.joinedRooms.isEmpty {
            sessions[key] = nil
            await entry.session.close()
        }
    }

    /// The session of the full JID `from`, opened when `opening`; throws for a sender that
    /// cannot have one here (a domain not accepted, a bare JID).
    /// Why a sender has no session here.
    private enum Refusal: Error {
        case notServed
        /// Its domain holds `sessionsPerDomain` already.
        case full
    }

    private func session(for from: JID, key: String, opening: Bool) async throws(Refusal)
        -> (session: ChatSession, mind: MUCRemoteOccupantMind)?
    {
        if let existing = sessions[key] { return existing }
        guard opening else { return nil }
        guard let resource = from.resource, from.localpart != nil, accepts(from) else { throw .notServed }
        if sessionsPerDomain != .max, sessions.values.lazy.filter({ $0.session.id.user.domain == from.domain }).count >= sessionsPerDomain {
            throw .full
        }
        let user = from.bare.userID
        let mind = MUCRemoteOccupantMind(
            post: post, renderer: MUCEventRenderer(rooms: service.rooms, codec: service.codec),
            session: SessionID(user: user, resource: resource), jid: key)
        let session: ChatSession
        do {
            session = try await service.chat.openSession(for: user, resource: resource, remote: remoteUsers, mind: mind)
        } catch {
            throw .notServed
        }
        guard session.id == mind.session else {
            // The resource is taken by another session of the user in this process (an
            // IRC login): the user's own JID would not match its occupant.
            await session.close()
            throw .notServed
        }
        sessions[key] = (session, mind)
        return (session, mind)
    }

    /// The error reply to `stanza`; none to an error or a result (RFC 6120 §8.3.1, §8.2.3).
    public nonisolated func refuse(_ stanza: XMLElement, _ error: StanzaError) {
        let type = stanza[attribute: "type"]
        guard type != "error", type != "result" else { return }
        var reply = error.reply(to: stanza)
        reply.namespace = service.codec.namespace
        post(reply)
    }
}
