import Foundation
import ParleyCore

/// One archived room message as one line of an archive segment (docs/storage.md): TAB-
/// separated `key=value` fields, each value escaped as in the other stored files, so a
/// line never holds a line break and a reader can skip a line torn by a crash.
///
///     id=5f0c…	at=2026-12-07T10:00:00.000Z	nick=Alice	user=alice@example.com	body=hello
enum ArchiveLine {
    static func encode(_ archived: ArchivedMessage) -> String {
        let message = archived.message
        var fields = ["id=" + TextFormat.escape(archived.id), "at=" + ISODate.string(archived.at)]
        func add(_ key: String, _ value: String?) {
            if let value { fields.append(key + "=" + TextFormat.escape(value)) }
        }
        add("origin", message.originID)
        add("nick", archived.nick?.displayName)
        add("user", archived.sender?.description)
        add("body", message.body)
        add("subject", message.subject)
        add("thread", message.thread)
        for meaning in message.meanings {
            switch meaning {
            case .action: add("meaning", "action")
            case .reply(let id): add("meaning", "reply \(id)")
            case .reaction(let id, let emoji): add("meaning", "reaction \(id) \(emoji)")
            case .correction(let id): add("meaning", "correction \(id)")
            case .retraction(let id): add("meaning", "retraction \(id)")
            case .formatting(let markup): add("meaning", "formatting \(markup)")
            // The ids and time are kept above; states and invitations (never room
            // messages) are not archived.
            case .messageID, .typing, .timestamp, .invitation: break
            }
        }
        return fields.joined(separator: "\t")
    }

    /// The message of a line of `room`'s archive, or nil when the line is not a whole one.
    static func decode(_ line: Substring, room: RoomID) -> ArchivedMessage? {
        var values: [String: String] = [:]
        var meanings: [ExtensionMeaning] = []
        for field in line.split(separator: "\t") {
            guard let equals = field.firstIndex(of: "="), let value = TextFormat.unescape(field[field.index(after: equals)...])
            else { return nil }
            let key = String(field[..<equals])
            if key == "meaning" {
                guard let meaning = meaning(value) else { continue }
                meanings.append(meaning)
            } else {
                values[key] = value
            }
        }
        guard let id = values["id"], !id.isEmpty, let atText = values["at"], let at = ISODate.date(atText) else { return nil }
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
            id: id, originID: values["origin"], kind: .room, from: from, to: .room(room), body: values["body"],
            subject: values["subject"], thread: values["thread"], timestamp: at,
            payloads: meanings.map { ExtensionPayload(meaning: $0) })
        return ArchivedMessage(message: message, sender: sender)
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
