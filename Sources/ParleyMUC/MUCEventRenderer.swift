import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP

/// Renders what happens in a room as the stanzas one XMPP occupant receives (XEP-0045 §7):
/// occupant presence with `muc#user` items and status codes, groupchat messages with
/// XEP-0359 stanza ids and XEP-0421 occupant ids, history with XEP-0203 delays, the
/// subject, private messages and invitations. Pure: the caller writes the stanzas.
///
/// Rooms are non-anonymous (status 100): an occupant's full JID is in its item for every
/// occupant, as IRC shows every member's `user@host`.
public struct MUCEventRenderer: Sendable {
    public let rooms: RoomJIDMapping
    public let codec: XMPPStanzaCodec

    public init(rooms: RoomJIDMapping, codec: XMPPStanzaCodec) {
        self.rooms = rooms
        self.codec = codec
    }

    private var namespace: String { codec.namespace }

    /// The stanzas for `event` in `room`, to the session `me` (whose JID text is `to`).
    /// `history` is what the client asked for when the event is its own entry.
    public func render(
        _ event: RoomEvent, in room: RoomID, me: SessionID, to: String, history: MUCHistoryRequest? = nil,
        now: Date = Date()
    ) -> [XMLElement] {
        switch event {
        case .entered(let snapshot):
            return entry(snapshot, me: me, to: to, history: history ?? MUCHistoryRequest(), now: now)
        case .occupantJoined(let actor):
            return [presence(of: actor.occupant, in: room, to: to)]
        case .occupantChanged(let old, let new, let by):
            let mine = new.sessions.contains(me)
            if old.nick != new.nick {
                // §7.6.3: unavailable from the old nick with 303 and the new nick, then
                // available from the new one.
                var gone = presence(
                    of: old, in: room, to: to, unavailable: true, statuses: [.nickChanged] + (mine ? [.selfPresence] : []),
                    newNick: new.nick)
                gone[attribute: "type"] = "unavailable"
                return [gone, presence(of: new, in: room, to: to, statuses: mine ? [.selfPresence] : [])]
            }
            let actor = by.flatMap { $0.occupant.nick == new.nick ? nil : $0 }
            return [presence(of: new, in: room, to: to, statuses: mine ? [.selfPresence] : [], actor: actor)]
        case .occupantLeft(let occupant, let reason):
            return [departure(of: occupant, in: room, to: to, reason: reason, mine: occupant.sessions.contains(me))]
        case .message(let message, let actor):
            var stanza = groupchat(message, in: room, sender: actor)
            stanza[attribute: "to"] = to
            return [stanza]
        case .privateMessage(let actor, let message):
            // §7.5: from the sender's room JID, marked as coming through the room.
            var stanza = codec.element(
                for: message, from: rooms.jid(of: room, nick: actor.nick).description, to: to)
            stanza.append(XMLElement(name: "x", namespace: MUCNamespace.user))
            return [stanza]
        case .topicChanged(let topic, let by):
            return [subject(topic.text, in: room, setter: by?.nick, to: to)]
        case .configurationChanged:
            // §10.2.1: status 104 from the room itself.
            var message = XMLElement(
                name: "message", namespace: namespace,
                attributes: [
                    XMLAttribute("from", value: rooms.jid(of: room).description), XMLAttribute("to", value: to),
                    XMLAttribute("type", value: "groupchat"), XMLAttribute("id", value: MessageID.mint()),
                ])
            message.append(userX(statuses: [.configurationChanged]))
            return [message]
        case .banListChanged:
            // IRC ban masks have no XMPP stanza; the outcast list is served on request.
            return []
        case .voiceRequested(let requester):
            return [voiceRequest(from: requester, in: room, to: to)]
        }
    }

    /// §7.13.2: the approval form a moderator receives from the room.
    private func voiceRequest(from requester: Occupant, in room: RoomID, to: String) -> XMLElement {
        let form = DataForm(
            type: .form, formType: MUCNamespace.request, title: "Voice request",
            instructions: ["To let \(requester.nick.displayName) speak, check the box and submit."],
            fields: [
                DataFormField(variable: "muc#role", type: .listSingle, label: "Requested role", values: [Role.participant.rawValue]),
                DataFormField(
                    variable: "muc#jid", type: .jidSingle, label: "User ID",
                    values: [requester.sessions.first.map { JID($0).description } ?? JID(requester.user).description]),
                DataFormField(variable: "muc#roomnick", type: .textSingle, label: "Room nickname", values: [requester.nick.displayName]),
                DataFormField(variable: "muc#request_allow", type: .boolean, label: "Grant voice to this person?", values: ["false"]),
            ])
        var message = XMLElement(
            name: "message", namespace: namespace,
            attributes: [
                XMLAttribute("from", value: rooms.jid(of: room).description), XMLAttribute("to", value: to),
                XMLAttribute("id", value: MessageID.mint()),
            ])
        message.append(form.element)
        return message
    }

    /// §7.8.2: a mediated invitation, from the room.
    public func invitation(to room: RoomID, from user: UserID, reason: String?, to: String) -> XMLElement {
        var invite = XMLElement(name: "invite", namespace: MUCNamespace.user)
        invite[attribute: "from"] = JID(user).description
        if let reason { invite.append(text: reason, in: "reason", namespace: MUCNamespace.user) }
        var x = XMLElement(name: "x", namespace: MUCNamespace.user)
        x.append(invite)
        var message = XMLElement(
            name: "message", namespace: namespace,
            attributes: [
                XMLAttribute("from", value: rooms.jid(of: room).description), XMLAttribute("to", value: to),
                XMLAttribute("id", value: MessageID.mint()),
            ])
        message.append(x)
        return message
    }

    // MARK: Entering (§7.2)

    private func entry(_ snapshot: RoomSnapshot, me: SessionID, to: String, history: MUCHistoryRequest, now: Date)
        -> [XMLElement]
    {
        let room = snapshot.room
        var stanzas: [XMLElement] = []
        // §7.2.3: everyone else's presence first, then the newcomer's own with 110 (§7.2.2),
        // 100 (non-anonymous, §7.2.4) and 201 when the join created the room (§10.1.1).
        for occupant in snapshot.occupants where occupant.nick != snapshot.you.nick {
            stanzas.append(presence(of: occupant, in: room, to: to))
        }
        var statuses: [MUCStatus] = [.nonAnonymous, .selfPresence]
        if snapshot.created { statuses.append(.created) }
        stanzas.append(presence(of: snapshot.you, in: room, to: to, statuses: statuses))
        // §7.2.14: history with XEP-0203 delays from the room, then the subject (§7.2.15).
        // Each message is rendered once, whether `maxchars` measured it first or not.
        var rendered: [Int: XMLElement] = [:]
        func stanza(_ index: Int) -> XMLElement {
            if let done = rendered[index] { return done }
            let made = delayed(snapshot.history[index], in: room, to: to)
            rendered[index] = made
            return made
        }
        let count = history.newestCount(of: snapshot.history, now: now) { stanza($0).serialized().count }
        for index in snapshot.history.indices.suffix(count) { stanzas.append(stanza(index)) }
        stanzas.append(subject(snapshot.topic?.text ?? "", in: room, setter: snapshot.topic?.setBy, to: to))
        return stanzas
    }

    private func delayed(_ message: Message, in room: RoomID, to: String) -> XMLElement {
        var stanza = groupchat(message, in: room, sender: nil)
        stanza[attribute: "to"] = to
        stanza.append(Delay(stamp: message.timestamp ?? Date(), from: rooms.jid(of: room)).element)
        return stanza
    }

    /// §7.2.15: the subject, from the occupant who set it (or the room).
    private func subject(_ text: String, in room: RoomID, setter: Nickname?, to: String) -> XMLElement {
        let from = setter.map { rooms.jid(of: room, nick: $0) } ?? rooms.jid(of: room)
        var message = XMLElement(
            name: "message", namespace: namespace,
            attributes: [
                XMLAttribute("from", value: from.description), XMLAttribute("to", value: to),
                XMLAttribute("type", value: "groupchat"), XMLAttribute("id", value: MessageID.mint()),
            ])
        message.append(text: text, in: "subject", namespace: namespace)
        return message
    }

    // MARK: Messages (§7.4)

    /// A groupchat message without its `to`: from the occupant's room JID (the room's own
    /// for a sender outside it), with the client's own id, the room's XEP-0359 stanza id
    /// and the sender's XEP-0421 occupant id. Rendered once per fan-out by callers that can.
    public func groupchat(_ message: Message, in room: RoomID, sender: RoomActor?) -> XMLElement {
        groupchat(message, in: room, senderUser: sender?.occupant.user)
    }

    /// A room message as every occupant receives it, from the sender's occupant JID, with
    /// the room's stanza-id and, when the sending user is known, its occupant-id.
    public func groupchat(_ message: Message, in room: RoomID, senderUser: UserID?) -> XMLElement {
        let roomJID = rooms.jid(of: room)
        let from: JID
        if case .occupant(_, let nick) = message.from {
            from = rooms.jid(of: room, nick: nick)
        } else {
            from = roomJID
        }
        var rendered = message
        // §7.4: the reflected copy carries the id the sender gave it.
        rendered.id = message.originID ?? message.id
        var stanza = codec.element(for: rendered, from: from.description, to: "")
        stanza[attribute: "to"] = nil
        stanza[attribute: "type"] = "groupchat"
        if let id = message.id {
            stanza.append(
                XMLElement(
                    name: "stanza-id", namespace: MUCNamespace.stanzaID,
                    attributes: [XMLAttribute("id", value: id), XMLAttribute("by", value: roomJID.description)]))
        }
        if let senderUser {
            stanza.append(
                XMLElement(
                    name: "occupant-id", namespace: MUCNamespace.occupantID,
                    attributes: [XMLAttribute("id", value: OccupantID.of(senderUser, in: room))]))
        }
        return stanza
    }

    // MARK: Presence (§7.2, §7.6, §7.14, §8, §9)

    /// An occupant's presence from its room JID, with its `muc#user` item.
    public func presence(
        of occupant: Occupant, in room: RoomID, to: String, unavailable: Bool = false, statuses: [MUCStatus] = [],
        newNick: Nickname? = nil, actor: RoomActor? = nil, reason: String? = nil, destroy: XMLElement? = nil
    ) -> XMLElement {
        var presence = occupant.presence
        if unavailable { presence = Presence(.unavailable, status: presence.status) }
        var stanza = codec.element(for: presence, from: rooms.jid(of: room, nick: occupant.nick).description, to: to)
        var item = XMLElement(
            name: "item", namespace: MUCNamespace.user,
            attributes: [
                XMLAttribute("affiliation", value: occupant.affiliation.rawValue),
                XMLAttribute("role", value: unavailable ? Role.none.rawValue : occupant.role.rawValue),
            ])
        if let session = occupant.sessions.first { item[attribute: "jid"] = JID(session).description }
        if let newNick { item[attribute: "nick"] = newNick.displayName }
        if let actor {
            item.append(
                XMLElement(
                    name: "actor", namespace: MUCNamespace.user,
                    attributes: [XMLAttribute("nick", value: actor.nick.displayName)]))
        }
        if let reason { item.append(text: reason, in: "reason", namespace: MUCNamespace.user) }
        var x = userX(item: item, statuses: statuses)
        if let destroy { x.append(destroy) }
        stanza.append(x)
        stanza.append(
            XMLElement(
                name: "occupant-id", namespace: MUCNamespace.occupantID,
                attributes: [XMLAttribute("id", value: OccupantID.of(occupant.user, in: room))]))
        return stanza
    }

    private func departure(of occupant: Occupant, in room: RoomID, to: String, reason: LeaveReason, mine: Bool)
        -> XMLElement
    {
        var statuses: [MUCStatus] = []
        var actor: RoomActor?
        var why: String?
        var status: String?
        switch reason {
        case .left(let text), .disconnected(let text): status = text
        case .kicked(let by, let text):
            statuses.append(.kicked)
            (actor, why) = (by, text)
        case .banned(let by, let text):
            statuses.append(.banned)
            (actor, why) = (by, text)
        case .deliveryFailed: statuses.append(.technicalRemoval)
        case .membershipRevoked: statuses.append(.affiliationChange)
        case .shutdown: statuses.append(.shutdown)
        case .destroyed: break
        }
        if mine { statuses.append(.selfPresence) }
        var leaving = occupant
        leaving.presence = Presence(.unavailable, status: status)
        var destroy: XMLElement?
        switch reason {
        case .banned: leaving.affiliation = .outcast
        case .destroyed(let text, let alternate):
            // §10.9: the occupant leaves with no affiliation and learns where to go.
            leaving.affiliation = .none
            var element = XMLElement(name: "destroy", namespace: MUCNamespace.user)
            if let alternate { element[attribute: "jid"] = alternate }
            if let text { element.append(text: text, in: "reason", namespace: MUCNamespace.user) }
            destroy = element
        default: break
        }
        return presence(
            of: leaving, in: room, to: to, unavailable: true, statuses: statuses, actor: actor, reason: why, destroy: destroy)
    }

    private func userX(item: XMLElement? = nil, statuses: [MUCStatus]) -> XMLElement {
        var x = XMLElement(name: "x", namespace: MUCNamespace.user)
        if let item { x.append(item) }
        for status in statuses {
            x.append(
                XMLElement(name: "status", namespace: MUCNamespace.user, attributes: [XMLAttribute("code", value: String(status.rawValue))]))
        }
        return x
    }
}
