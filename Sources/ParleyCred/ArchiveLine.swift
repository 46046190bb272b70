import Foundation
import ParleyCore

/// One archived room message as one line of an archive segment (docs/storage.md): TAB-
/// separated `key=value` fields, each value escaped as in the other stored files, so a
/// line never holds a line break and a reader can skip a line torn by a crash.
///
///     id=5f0c…	at=2026-12-07T10:00:00.000Z	nick=Alice	user=alice@example.com	body=hello
enum ArchiveLine {
    /// A room message's line.
    static func encode(_ archived: ArchivedMessage) -> String {
        encode(archived, natives: nil)
    }

    /// A line; a one-to-one message (in a user's archive) also names its kind, sender,
    /// recipient and the sender's id, and keeps the payloads `natives` can write.
    static func encode(_ archived: ArchivedMessage, natives: (any NativePayloadText)?) -> String {
        let message = archived.message
        var fields = ["id=" + TextFormat.escape(archived.id), "at=" + ISODate.string(archived.at)]
        func add(_ key: String, _ value: String?) {
            if let value { fields.append(key + "=" + TextFormat.escape(value)) }
        }
        if message.kind != .room {
            add("kind", message.kind.rawValue)
            add("from", message.from.description)
            add("to", message.to.description)
            add("msgid", message.id)
        }
        add("origin", message.originID)
        add("nick", archived.nick?.displayName)
        add("user", archived.sender?.description)
        add("body", message.body)
        add("subject", message.subject)
        add("thread", message.thread)
        for payload in message.payloads {
            if let natives, let native = payload.native, native.family == natives.family, let text = natives.text(of: native) {
                add("native", native.key + " " + text)
            } else if let meaning = payload.meaning {
                add("meaning", self.text(of: meaning))
            }
        }
        return fields.joined(separator: "\t")
    }

    /// The stored form of a meaning; nil for those never archived.
    private static func text(of meaning: ExtensionMeaning) -> String? {
        switch meaning {
        case .action: "action"
        case .reply(let id): "reply \(id)"
        case .reaction(let id, let emoji): "reaction \(id) \(emoji)"
        case .correction(let id): "correction \(id)"
        case .retraction(let id): "retraction \(id)"
        case .formatting(let markup): "formatting \(markup)"
        // The ids and time are kept above; states and invitations are not archived.
        case .messageID, .typing, .timestamp, .invitation: nil
        }
    }

    /// A line's fields, and its payloads in order; nil when the line is not a whole one.
    private static func fields(_ line: Substring, natives: (any NativePayloadText)?) -> ([String: String], [ExtensionPayload])? {
        var values: [String: String] = [:]
        var payloads: [ExtensionPayload] = []
        for field in line.split(separator: "\t") {
            guard let equals = field.firstIndex(of: "="), let value = TextFormat.unescape(field[field.index(after: equals)...])
            else { return nil }
            let key = String(field[..<equals])
            switch key {
            case "meaning":
                if let meaning = meaning(value) { payloads.append(ExtensionPayload(meaning: meaning)) }
            case "native":
                guard let natives, let space = value.firstIndex(of: " "),
                    let payload = natives.payload(key: String(value[..<space]), text: String(value[value.index(after: space)...]))
                else { continue }
                payloads.append(payload)
            default:
                values[key] = value
            }
        }
        guard let id = values["id"], !id.isEmpty, values["at"].flatMap(ISODate.date) != nil else { return nil }
        return (values, payloads)
    }

    /// The message of a line of `room`'s archive, or nil when the line is not a whole one.
    static func decode(_ line: Substring, room: RoomID) -> ArchivedMessage? {
        guard let (values, payloads) = fields(line, natives: nil), let at = values["at"].flatMap(ISODate.date) else { return nil }
        let sender = values["user"].flatMap(UserID.init(parsing:))
        let from: Address
        if let nick = values["nick"].flatMap(Nickname.init) {
            from = .occupant(room, nick)
        } else if let sender {
            from = .user(sender)
        } else {
            return nil
        }
        let message = Message(
            id: values["id"], originID: values["origin"], kind: .room, from: from, to: .room(room), body: values["body"],
            subject: values["subject"], thread: values["thread"], timestamp: at, payloads: payloads)
        return ArchivedMessage(message: message, sender: sender)
    }

    /// The message of a line of `owner`'s archive, the other side being its peer; nil when
    /// the line is not a whole one-to-one message.
    static func decode(_ line: Substring, owner: UserID, natives: (any NativePayloadText)?) -> ArchivedMessage? {
        guard let (values, payloads) = fields(line, natives: natives), let at = values["at"].flatMap(ISODate.date),
            let kind = values["kind"].flatMap(Message.Kind.init(rawValue:)),
            let from = values["from"].flatMap(address), let to = values["to"].flatMap(address)
        else { return nil }
        var message = Message(
            id: values["msgid"], originID: values["origin"], kind: kind, from: from, to: to, body: values["body"],
            subject: values["subject"], thread: values["thread"], timestamp: at, payloads: payloads)
        message.archiveID = values["id"]
        return ArchivedMessage(message: message, sender: from.user, peer: from.user == owner ? to : from)
    }

    /// `user@domain` or `user@domain/resource` (`Address.description` of a user or session).
    private static func address(_ text: String) -> Address? {
        guard let slash = text.firstIndex(of: "/") else { return UserID(parsing: text).map(Address.user) }
        guard let user = UserID(parsing: String(text[..<slash])) else { return nil }
        return .session(SessionID(user: user, resource: String(text[text.index(after: slash)...])))
    }

    private static func meaning(_ text: String) -> ExtensionMeaning? {
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.count) {
        case ("action", 1): return .action
        case ("reply", 2): return .reply(to: parts[1])
        case ("reaction", 3): return .reaction(to: parts[1], emoji: parts[2])
        case ("correction", 2): return .correction(of: parts[1])
        case ("retraction", 2): return .retraction(of: parts[1])
        case ("formatting", _) where text.hasPrefix("formatting "):
            return .formatting(markup: String(text.dropFirst("formatting ".count)))
        default: return nil
        }
    }
}
