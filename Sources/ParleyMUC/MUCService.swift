import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP

/// The multi-user chat service (XEP-0045) on one domain, in front of the model's rooms:
/// a client's presence, message or IQ to `room@domain[/nick]` becomes a model operation of
/// the client's own session, so an XMPP occupant and an IRC member of `#room` are in the
/// same room. What the room says back reaches the session's mind as room events, which the
/// client's adapter renders with `MUCEventRenderer`.
///
/// Attached to the chat service as the component of its domain (`ChatService.attachComponent`),
/// so that disco lists it and model traffic to the domain finds it; `xmpp-c2s` hands it a
/// bound client's stanzas to the domain with the client's session (`receive`).
public final class MUCService: ComponentHandler, Sendable {
    public let protocolFamily = ProtocolFamily.xmpp
    public let rooms: RoomJIDMapping
    public let chat: ChatService
    public let codec: XMPPStanzaCodec
    /// A name for the service in disco (`Chatrooms`).
    public let name: String
    /// Whether a room that a join creates stays locked until its owner configures it
    /// (XEP-0045 §10.1.1), as in Prosody; otherwise it opens at once.
    public let locksNewRooms: Bool

    public init(
        domain: String, chat: ChatService, codec: XMPPStanzaCodec, name: String = "Chatrooms", locksNewRooms: Bool = true
    ) {
        self.rooms = RoomJIDMapping(domain: domain)
        self.chat = chat
        self.codec = codec
        self.name = name
        self.locksNewRooms = locksNewRooms
    }

    /// Model traffic to the domain from a non-XMPP sender has no MUC meaning: refused.
    public func deliver(_ event: ChatEvent, to: Address) throws {
        throw DeliveryError.recipientUnavailable
    }

    /// Handles a bound client's stanza addressed to this service's domain.
    public func receive(_ stanza: XMLElement, to: JID, session: ChatSession, client: any MUCClient) async {
        let request = MUCRequest(stanza: stanza, to: to, from: JID(session.id))
        do {
            switch stanza.name {
            case "presence": try await presence(request, session: session, client: client)
            case "message": try await message(request, session: session)
            case "iq": try await iq(request, session: session, client: client)
            default: break
            }
        } catch let error as StanzaError {
            guard let reply = request.errorReply(error) else { return }
            await client.send(reply)
        } catch {
            guard let reply = request.errorReply(StanzaError(.internalServerError)) else { return }
            await client.send(reply)
        }
    }

    // MARK: Presence (§7.2 entering, §7.6 nick change, §7.7 presence change, §7.14 exit)

    private func presence(_ request: MUCRequest, session: ChatSession, client: any MUCClient) async throws {
        let stanza = request.stanza
        switch stanza[attribute: "type"] {
        case nil, "unavailable": break
        default: return  // subscriptions, probes and errors mean nothing to a room
        }
        // §7.2.1: a room JID without a nick, or a nick that is no valid one, is jid-malformed.
        guard let room = rooms.room(of: request.to) else {
            throw StanzaError(.jidMalformed, text: "no valid room name before @\(rooms.domain)")
        }
        if stanza[attribute: "type"] == "unavailable" {
            // §7.14: exit; from a non-occupant it is ignored.
            let status = stanza.firstChild(named: "status", namespace: codec.namespace)?.text
            await session.leave(room, message: status)
            return
        }
        guard let resource = request.to.resource, let nick = Nickname(resource) else {
            throw StanzaError(.jidMalformed, text: "the room JID needs a nickname as its resource")
        }
        let join = stanza.firstChild(named: "x", namespace: MUCNamespace.muc)
        let history = try MUCHistoryRequest(join: join)
        // What the client says about itself goes to the others; the join request and
        // anything claiming to be the room's own markup do not.
        var own = stanza
        own.children = stanza.children.filter { node in
            guard case .element(let child) = node else { return true }
            return child.namespace != MUCNamespace.muc && child.namespace != MUCNamespace.user
                && child.namespace != MUCNamespace.occupantID
        }
        let presence = try codec.presence(from: own)
        if !session.joinedRooms.contains(room) { client.expectEntry(to: room, history: history) }
        do {
            try await session.join(
                room, as: nick, password: join?.firstChild(named: "password", namespace: MUCNamespace.muc)?.text,
                presence: presence, lockingNewRoom: locksNewRooms)
        } catch {
            throw StanzaError(error)
        }
    }

    // MARK: Messages (§7.4 groupchat, §7.5 private, §7.8 invitations)

    private func message(_ request: MUCRequest, session: ChatSession) async throws {
        let stanza = request.stanza
        guard let room = rooms.room(of: request.to) else {
            throw StanzaError(.itemNotFound, text: "no room has that address")
        }
        let type = MessageType(stanza[attribute: "type"])
        if type == .error { return }
        if let nickText = request.to.resource {
            // §7.5: a private message to one occupant; groupchat there is a bad request.
            guard type != .groupchat else {
                throw StanzaError(.badRequest, text: "groupchat goes to the room's bare JID")
            }
            guard let nick = Nickname(nickText) else { throw StanzaError(.jidMalformed) }
            var message = codec.message(from: stanza, to: .occupant(room, nick), sender: .session(session.id))
            message.kind = .chat
            try await deliver(message, session: session)
            return
        }
        if let x = stanza.firstChild(named: "x", namespace: MUCNamespace.user), !x.elements.isEmpty {
            try await invitations(in: x, to: room, session: session)
            return
        }
        // §7.13: a voice request or its approval is a normal message, never groupchat, so
        // the groupchat path pays for no form lookup.
        if type != .groupchat, let form = try? DataForm.first(in: stanza), form.formType == MUCNamespace.request {
            try await voiceRequest(form, in: room, session: session)
            return
        }
        // §7.4: only groupchat goes to the room itself; a non-occupant gets not-acceptable.
        guard type == .groupchat else {
            throw StanzaError(.badRequest, text: "a message to the room itself must be of type groupchat")
        }
        var message = codec.message(from: stanza, to: .room(room), sender: .session(session.id))
        message.kind = .room
        try await deliver(message, session: session)
    }

    private func deliver(_ message: Message, session: ChatSession) async throws {
        do {
            try await session.send(message)
        } catch .room(let error) {
            throw StanzaError(error)
        } catch {
            throw StanzaError(.serviceUnavailable)
        }
    }

    /// §7.8.2: mediated invitations, `<invite to='jid'><reason/></invite>` each.
    private func invitations(in x: XMLElement, to room: RoomID, session: ChatSession) async throws {
        let invites = x.elements.filter { $0.name == "invite" }
        guard !invites.isEmpty else { throw StanzaError(.badRequest, text: "nothing in muc#user that a room takes") }
        for invite in invites.prefix(Self.maximumInvitesPerMessage) {
            guard let text = invite[attribute: "to"], let jid = JID(text) else {
                throw StanzaError(.jidMalformed, text: "an invitation needs a valid 'to'")
            }
            let reason = invite.firstChild(named: "reason", namespace: MUCNamespace.user)?.text
            do {
                try await session.invite(jid.bare.userID, to: room, reason: reason)
            } catch {
                throw StanzaError(error)
            }
        }
    }

    /// §7.13: a visitor's request for voice, or a moderator's answer to one (the approval
    /// form with `muc#request_allow`).
    private func voiceRequest(_ form: DataForm, in room: RoomID, session: ChatSession) async throws {
        do {
            guard let allow = form["muc#request_allow"] else {
                try await session.requestVoice(in: room)
                return
            }
            guard allow.values.first == "1" || allow.values.first == "true" else { return }  // declined
            guard let text = form.value(of: "muc#roomnick"), let nick = Nickname(text) else {
                throw StanzaError(.badRequest, text: "muc#roomnick: the approval names no valid nickname")
            }
            try await session.setRole(.participant, of: nick, in: room, reason: nil)
        } catch let error as RoomError {
            throw StanzaError(error)
        }
    }

    /// Invitations one message may carry (a peer controls the count).
    static let maximumInvitesPerMessage = 20
}
