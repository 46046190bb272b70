import ParleyCore

/// Turns model events into text-chat protocol lines (without terminators). Text that came
/// from peers has CR, LF and NUL replaced, so one event can never forge another line.
public enum TextChatRenderer {
    /// The protocol family of text-chat sessions: it has no native payload forms, so
    /// every payload reaches it by meaning or is dropped by the translation table's rule.
    public static let family = ProtocolFamily("text")

    public static func lines(for event: ChatEvent, translation: TranslationTable = .standard) -> [String] {
        switch event {
        case .message(let message):
            let verb = isAction(message, translation) ? "ACTION" : message.kind == .notice ? "NOTICE" : "MSG"
            return ["\(verb) \(message.from) \(clean(message.body ?? ""))"]
        case .presence(let from, let presence):
            return ["PRESENCE \(from) \(presence.availability.rawValue)" + (presence.status.map { " " + clean($0) } ?? "")]
        case .subscription(let from, let request):
            return ["SUBSCRIPTION \(from) \(request.rawValue)"]
        case .contactUpdated(let contact, _):
            return ["CONTACT \(contact.address) \(contact.subscription)"]
        case .contactRemoved(let address, _):
            return ["CONTACT-REMOVED \(address)"]
        case .query, .probe:
            return []  // text-chat has no requests of its own; the requester times out
        case .copy, .blockListChanged:
            return []  // text-chat sessions never ask for copies or block lists
        case .invitation(let room, let from, let reason):
            return ["INVITE #\(room) \(from)" + (reason.map { " " + clean($0) } ?? "")]
        case .closed(let reason):
            switch reason {
            case .replaced: return ["BYE replaced by a new session"]
            case .shutdown: return ["BYE server shutting down"]
            case .kicked(let why): return ["BYE \(clean(why))"]
            }
        case .room(let room, let event):
            return lines(for: event, in: room, translation: translation)
        }
    }

    static func lines(for event: RoomEvent, in room: RoomID, translation: TranslationTable) -> [String] {
        let name = "#\(room)"
        switch event {
        case .entered(let snapshot):
            var lines = ["JOINED \(name) \(snapshot.you.nick)" + (snapshot.created ? " created" : "")]
            if let topic = snapshot.topic { lines.append("TOPIC \(name) \(topic.setBy?.displayName ?? "-") \(clean(topic.text))") }
            lines.append("NAMES \(name) " + snapshot.occupants.map { prefix($0) + $0.nick.displayName }.joined(separator: " "))
            for message in snapshot.history {
                lines.append("HISTORY \(name) \(speaker(message)) \(clean(message.body ?? ""))")
            }
            return lines
        case .occupantJoined(let joiner):
            return ["JOIN \(name) \(joiner.nick)"]
        case .occupantChanged(let old, let new, _):
            var lines: [String] = []
            if old.nick.displayName != new.nick.displayName { lines.append("NICK \(name) \(old.nick) \(new.nick)") }
            if old.role != new.role || old.affiliation != new.affiliation {
                lines.append("ROLE \(name) \(new.nick) \(new.role.rawValue) \(new.affiliation.rawValue)")
            }
            if old.presence != new.presence {
                lines.append("PRESENCE \(name) \(new.nick) \(new.presence.availability.rawValue)" + (new.presence.status.map { " " + clean($0) } ?? ""))
            }
            return lines
        case .occupantLeft(let occupant, let reason):
            switch reason {
            case .left(let message): return ["PART \(name) \(occupant.nick)" + (message.map { " " + clean($0) } ?? "")]
            case .kicked(let by, let why): return ["KICK \(name) \(occupant.nick) \(by?.nick.displayName ?? "-")" + (why.map { " " + clean($0) } ?? "")]
            case .banned(let by, let why): return ["BAN \(name) \(occupant.nick) \(by?.nick.displayName ?? "-")" + (why.map { " " + clean($0) } ?? "")]
            case .deliveryFailed: return ["PART \(name) \(occupant.nick) connection lost"]
            case .membershipRevoked: return ["PART \(name) \(occupant.nick) membership revoked"]
            case .shutdown: return ["PART \(name) \(occupant.nick) server shutting down"]
            case .destroyed(let why, let alternate):
                return ["PART \(name) \(occupant.nick) room destroyed" + (why.map { " " + clean($0) } ?? "")
                    + (alternate.map { " moved to " + clean($0) } ?? "")]
            case .disconnected(let message):
                return ["PART \(name) \(occupant.nick) " + (message.map(clean) ?? "disconnected")]
            }
        case .message(let message, _):
            let verb = isAction(message, translation) ? "ME" : "SAY"
            return ["\(verb) \(name) \(speaker(message)) \(clean(message.body ?? ""))"]
        case .privateMessage(let from, let message):
            return ["WHISPER \(name) \(from.nick) \(clean(message.body ?? ""))"]
        case .topicChanged(let topic, _):
            return ["TOPIC \(name) \(topic.setBy?.displayName ?? "-") \(clean(topic.text))"]
        case .banListChanged(let ban, let added, let by):
            return ["BANMASK \(name) \(added ? "+" : "-")\(clean(ban.mask)) \(by?.nick.displayName ?? "-")"]
        case .voiceRequested(let requester):
            return ["VOICEREQUEST \(name) \(requester.nick)"]
        case .configurationChanged(let configuration, _):
            return ["CONFIG \(name) moderated=\(configuration.moderated) members-only=\(configuration.membersOnly) topic-restricted=\(configuration.topicRestricted)"]
        }
    }

    /// The lines of command replies. Of the commands that succeed, only those whose effect
    /// is not heard as an event are acknowledged (`OK left`, `OK sent to`, `OK away`, `OK back`).
    static func lines(for replies: [ChatReply]) -> [String] {
        replies.flatMap { reply -> [String] in
            switch reply {
            case .loggedIn(let session): return ["OK logged in as \(session)"]
            case .done(.part(let room, _)): return ["OK left #\(room)"]
            case .done(.msg(let user, _)): return ["OK sent to \(user)"]
            case .done(.away): return ["OK away"]
            case .done(.back): return ["OK back"]
            case .done: return []
            case .contacts(let contacts):
                return contacts.map { "CONTACT \($0.address) \($0.subscription)" } + ["OK \(contacts.count) contacts"]
            case .occupants(let room, let occupants):
                return occupants.map { "WHO #\(room) \($0.nick) \($0.role.rawValue) \($0.presence.availability.rawValue)" }
                    + ["OK \(occupants.count) in #\(room)"]
            case .pong(let token): return ["PONG" + (token.map { " " + clean($0) } ?? "")]
            case .usage(let syntaxes): return syntaxes.map { "HELP \($0)" }
            case .goodbye: return ["BYE"]
            case .refused(let code, let message): return ["ERR \(code)" + (message.map { " " + clean($0) } ?? "")]
            }
        }
    }

    /// A role prefix as IRC shows it in NAMES: `@` moderator, `+` participant of a moderated room.
    static func prefix(_ occupant: Occupant) -> String {
        occupant.role == .moderator ? "@" : ""
    }

    static func speaker(_ message: Message) -> String {
        if case .occupant(_, let nick) = message.from { return nick.displayName }
        return message.from.description
    }

    /// Whether the message is a `/me` action: by meaning, which either protocol's adapter
    /// sets from its own convention.
    static func isAction(_ message: Message, _ translation: TranslationTable) -> Bool {
        message.payloads.contains { $0.meaning == .action }
    }

    /// Replaces CR, LF and NUL so a peer's text stays on one line.
    public static func clean(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) else { return text }
        return String(text.unicodeScalars.map { $0 == "\n" || $0 == "\r" || $0 == "\0" ? " " : Character($0) })
    }
}
