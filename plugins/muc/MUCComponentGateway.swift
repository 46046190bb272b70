import Logging
import ParleyComponent
import ParleyCore
import ParleyMUC
import ParleyXML
import ParleyXMPP

/// The MUC service as an external XEP-0114 component (`parleyd muc --connect HOST:PORT`,
/// under Parley's xmpp-router, Prosody or ejabberd): each user of the server that talks to
/// a room becomes a session of this process's model — the same rooms as this process's
/// IRC channels — whose events go back as stanzas (`RemoteOccupantMind`). A user's
/// session ends once it is in no room, and all of them when the link is lost.
///
/// Stanzas are handled one at a time, in the order the server sent them, from a bounded
/// queue: beyond `queueLimit` waiting, a request gets `resource-constraint` instead.
final class MUCComponentGateway: XMPPStanzaComponent {
    let protocolFamily = ProtocolFamily.xmpp
    private let occupants: RemoteOccupants
    private let inbox: AsyncStream<RemoteOccupants.Input>.Continuation
    private let link: any XMPPStanzaLink

    init(service: MUCService, link: any XMPPStanzaLink, logger: Logger, queueLimit: Int = 10_000) {
        self.link = link
        let occupants = RemoteOccupants(service: service, link: link, logger: logger)
        self.occupants = occupants
        let (stream, continuation) = AsyncStream.makeStream(
            of: RemoteOccupants.Input.self, bufferingPolicy: .bufferingOldest(queueLimit))
        inbox = continuation
        Task {
            for await input in stream { await occupants.handle(input) }
        }
    }

    deinit {
        inbox.finish()
    }

    /// Model traffic never reaches this component: it speaks XMPP (`receive`).
    func deliver(_ event: ChatEvent, to: Address) throws {
        throw DeliveryError.recipientUnavailable
    }

    func receive(_ stanza: XMLElement) {
        guard case .dropped = inbox.yield(.stanza(stanza)), stanza.name != "presence" else { return }
        RemoteOccupants.refuse(
            stanza, StanzaError(.resourceConstraint, type: .wait, text: "the rooms are busy; try again"), through: link)
    }

    func linkLost() {
        inbox.yield(.linkLost)
    }
}

/// The users of the server, each as a session of the model, handled in order.
actor RemoteOccupants {
    enum Input: Sendable {
        case stanza(XMLElement)
        case linkLost
    }

    let service: MUCService
    let link: any XMPPStanzaLink
    let logger: Logger
    private var sessions: [String: (session: ChatSession, mind: RemoteOccupantMind)] = [:]

    init(service: MUCService, link: any XMPPStanzaLink, logger: Logger) {
        self.service = service
        self.link = link
        self.logger = logger
    }

    func handle(_ input: Input) async {
        switch input {
        case .linkLost:
            // The server's users are gone with the stream: they leave their rooms.
            let all = sessions.values
            sessions.removeAll()
            for entry in all { await entry.session.close(reason: nil, message: "the XMPP server went away") }
        case .stanza(let stanza):
            await handle(stanza)
        }
    }

    private func handle(_ stanza: XMLElement) async {
        guard let from = stanza[attribute: "from"].flatMap(JID.init), let to = stanza[attribute: "to"].flatMap(JID.init) else {
            return
        }
        let type = stanza[attribute: "type"]
        let key = from.description
        let opening = !(stanza.name == "presence" && type == "unavailable") && type != "error"
        let found: (session: ChatSession, mind: RemoteOccupantMind)?
        do {
            found = try await session(for: from, key: key, opening: opening)
        } catch {
            Self.refuse(stanza, StanzaError(.notAllowed, text: "this service serves the users of \(service.chat.domain)"), through: link)
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
    /// cannot have one here (another domain, a bare JID).
    private func session(for from: JID, key: String, opening: Bool) async throws -> (session: ChatSession, mind: RemoteOccupantMind)? {
        if let existing = sessions[key] { return existing }
        guard opening else { return nil }
        guard let resource = from.resource, from.localpart != nil, from.domain == service.chat.domain else {
            throw DeliveryError.invalidSender(key)
        }
        let user = from.bare.userID
        let mind = RemoteOccupantMind(
            link: link, renderer: MUCEventRenderer(rooms: service.rooms, codec: service.codec),
            session: SessionID(user: user, resource: resource), jid: key)
        let session = try await service.chat.openSession(for: user, resource: resource, mind: mind)
        guard session.id == mind.session else {
            // The resource is taken by another session of the user in this process (an
            // IRC login): the user's own JID would not match its occupant.
            await session.close()
            throw DeliveryError.invalidSender(key)
        }
        sessions[key] = (session, mind)
        return (session, mind)
    }

    /// The error reply to `stanza` on the component stream; none to an error or a result
    /// (RFC 6120 §8.3.1, §8.2.3).
    static func refuse(_ stanza: XMLElement, _ error: StanzaError, through link: any XMPPStanzaLink) {
        let type = stanza[attribute: "type"]
        guard type != "error", type != "result" else { return }
        var reply = error.reply(to: stanza)
        reply.namespace = XMPPNamespace.component
        link.post(reply)
    }
}
