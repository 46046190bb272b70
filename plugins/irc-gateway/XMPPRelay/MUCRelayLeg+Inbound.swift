import ParleyCore
import ParleyMUC
import ParleyXML
import ParleyXMPP

/// What one stanza from the far room asks the bridge to do.
enum MUCInbound: Sendable, Equatable {
    /// Post this in the local room.
    case post(LocalPost)
    /// Not relayed, for this reason (counted).
    case drop(String)
    /// Our self-presence arrived: we are in the room (again).
    case joined
    /// We are not (or no longer) in the room: join again after a pause.
    case rejoin(reason: String)
}

/// A far room's message as the bridge's bot posts it in the local room.
struct LocalPost: Sendable, Equatable {
    /// The id the bot gives it (the local room keeps it as the origin id).
    var id: String
    var body: String
    var isAction: Bool
    /// The local id of the message it replies to (XEP-0461) or corrects (XEP-0308).
    var replyTo: String?
    var correcting: String?

    /// The model message the bot's session sends into `room`.
    func message(from session: SessionID, to room: RoomID) -> Message {
        var payloads: [ExtensionPayload] = []
        if isAction { payloads.append(ExtensionPayload(meaning: .action)) }
        if let replyTo { payloads.append(ExtensionPayload(meaning: .reply(to: replyTo))) }
        if let correcting { payloads.append(ExtensionPayload(meaning: .correction(of: correcting))) }
        return Message(id: id, kind: .room, from: .session(session), to: .room(room), body: body, payloads: payloads)
    }
}

extension MUCRelayLeg {
    /// What to do with one stanza from the server; stanzas not from the far room are
    /// none of the bridge's business (empty).
    mutating func inbound(_ stanza: XMLElement) -> [MUCInbound] {
        guard let from = stanza[attribute: "from"].flatMap(JID.init), from.bare == room else { return [] }
        switch stanza.name {
        case "presence": return presence(stanza, nick: from.resource)
        case "message": return message(stanza, nick: from.resource)
        case "iq": return pingAnswer(stanza)
        default: return []
        }
    }

    /// §7.2.3: our self-presence (status 110) means we are in; our unavailable presence
    /// (kicked, banned, room destroyed, §7.2.9 and §10.9) or a refused join means we are
    /// not. Other occupants' presence is not relayed.
    private mutating func presence(_ stanza: XMLElement, nick: String?) -> [MUCInbound] {
        guard let nick else { return [] }
        guard nick == self.nick else { return [.drop("joins, parts and nick changes in the other room")] }
        switch stanza[attribute: "type"] {
        case "error":
            noteLeft()
            let error = StanzaError(from: stanza).map { "\($0)" } ?? "unknown error"
            return [.rejoin(reason: "the room refused our join: \(error)")]
        case "unavailable":
            noteLeft()
            let codes = stanza.firstChild(named: "x", namespace: MUCNamespace.user)?.elements
                .filter { $0.name == "status" }.compactMap { $0[attribute: "code"] } ?? []
            return [.rejoin(reason: "we left the room (status \(codes.joined(separator: ",")))")]
        default:
            guard !isJoined else { return [] }
            noteJoined()
            return [.joined]
        }
    }

    private mutating func message(_ stanza: XMLElement, nick: String?) -> [MUCInbound] {
        let type = stanza[attribute: "type"]
        if type == "error" {
            let error = StanzaError(from: stanza)
            // §7.4 / §18: not-acceptable means we are no longer an occupant.
            if error?.condition == .notAcceptable { noteLeft(); return [.rejoin(reason: "the room says we are not in it")] }
            return [.drop("messages the other room refused (\(error.map { "\($0.condition.rawValue)" } ?? "error"))")]
        }
        guard type == "groupchat" else { return [.drop("private messages and invitations in the other room")] }
        let body = stanza.firstChild(named: "body", namespace: XMPPNamespace.client)?.text
        if body == nil, stanza.firstChild(named: "subject", namespace: XMPPNamespace.client) != nil {
            // §7.2.16: the subject ends what the room sends on join; later ones are changes.
            if historyOver { return [.drop("subject changes in the other room")] }
            noteHistoryOver()
            return []
        }
        guard let nick else { return [.drop("notices of the other room itself")] }
        if nick == self.nick {
            // Our own relayed message, reflected (§7.4): learn the stanza-id the room gave it.
            if let id = stanza[attribute: "id"], let stanzaID = stanzaID(of: stanza) { learnFar(stanzaID: stanzaID, forID: id) }
            return []
        }
        // §7.2.15: history carries a delay from the room; nothing before our join is live.
        let delay = stanza.firstChild(named: "delay", namespace: XMPPNamespace.delay)
        if !isJoined || (delay != nil && (!historyOver || delay?[attribute: "from"].flatMap(JID.init)?.bare == room)) {
            return [.drop("the other room's history on join")]
        }
        guard let body else { return [.drop("tags-only messages (reactions, chat states) from the other room")] }
        return [relay(stanza, body: body, nick: nick)]
    }

    private mutating func relay(_ stanza: XMLElement, body: String, nick: String) -> MUCInbound {
        let (text, action) = XMPPExtensionCodec().decodeAction(body: body)
        let isAction = action != nil
        var post = LocalPost(
            id: mint("relay"), body: isAction ? "\(RelayFormat.safe(nick)) \(text)" : format.prefix(nick) + text,
            isAction: isAction)
        // XEP-0461 §3 and XEP-0308 §3: the ids they name are the far room's; ours are local.
        if let to = stanza.firstChild(named: "reply", namespace: Self.replyNamespace)?[attribute: "id"] {
            post.replyTo = ids.counterpart(of: to, in: .far, for: .reply)
        }
        if let of = stanza.firstChild(named: "replace", namespace: Self.correctionNamespace)?[attribute: "id"] {
            post.correcting = ids.counterpart(of: of, in: .far, for: .correction)
        }
        link(local: .init(stanzaID: nil, id: post.id), far: .init(stanzaID: stanzaID(of: stanza), id: stanza[attribute: "id"]))
        return .post(post)
    }

    /// XEP-0359 §3.1: only a stanza-id `by` the room itself is the room's.
    private func stanzaID(of stanza: XMLElement) -> String? {
        stanza.elements.first {
            $0.name == "stanza-id" && $0.namespace == MUCNamespace.stanzaID && $0[attribute: "by"].flatMap(JID.init) == room
        }?[attribute: "id"]
    }

    /// XEP-0410 §3: a result, service-unavailable or feature-not-implemented means we are
    /// still in; a remote-server error says nothing; any other error means we are not.
    private mutating func pingAnswer(_ stanza: XMLElement) -> [MUCInbound] {
        guard let id = pendingPing, stanza[attribute: "id"] == id else { return [] }
        notePingAnswered()
        guard stanza[attribute: "type"] == "error", let error = StanzaError(from: stanza) else { return [] }
        switch error.condition {
        case .serviceUnavailable, .featureNotImplemented, .remoteServerNotFound, .remoteServerTimeout:
            return []
        default:
            noteLeft()
            return [.rejoin(reason: "self-ping: \(error.condition.rawValue)")]
        }
    }
}
