import Foundation
import ParleyCore

/// A persistent room as stored in `rooms/<name>.room` (docs/storage.md):
///
///     # parley-room 1
///     name = dev
///     title = Development
///     members-only = no
///     history-length = 20
///     subject = Release on Friday
///     subject-by = alice
///     subject-at = 2026-12-07T10:00:00.000Z
///     owner = alice@example.com
///     member = bob@example.com
///
///     [ban *!*@spam.example]
///     set-by = alice!alice@example.com
///     at = 2026-12-07T10:05:00.000Z
///     outcast = mallory@example.com
enum RoomFile {
    static let header = "# parley-room 1"
    /// Larger files are refused without being read.
    static let maximumFileBytes = 1024 * 1024
    /// Affiliation entries kept per room.
    static let maximumAffiliations = 10_000

    static func serialize(_ room: PersistentRoom) -> [UInt8] {
        let c = room.configuration
        var text = header + "\n"
        func line(_ key: String, _ value: String) { text += "\(key) = \(TextFormat.escape(value))\n" }
        func flag(_ key: String, _ value: Bool) { line(key, value ? "yes" : "no") }
        line("name", room.id.displayName)
        if let title = c.name { line("title", title) }
        if let description = c.description { line("description", description) }
        flag("members-only", c.membersOnly)
        flag("moderated", c.moderated)
        flag("topic-restricted", c.topicRestricted)
        flag("hidden", c.hidden)
        flag("external-messages", c.allowsExternalMessages)
        if let password = c.password { line("password", password) }
        if let limit = c.maxOccupants { line("max-occupants", String(limit)) }
        line("history-length", String(c.historyLength))
        if let topic = room.topic {
            line("subject", topic.text)
            if let by = topic.setBy { line("subject-by", by.displayName) }
            line("subject-at", ISODate.string(topic.at))
        }
        // Owners first, then admins, members and outcasts; by address within each.
        let listed = room.affiliations.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        for (user, affiliation) in listed where affiliation != .none {
            line(affiliation.rawValue, user.description)
        }
        for ban in room.bans {
            text += "\n[ban \(TextFormat.escape(ban.mask))]\n"
            line("set-by", ban.setBy)
            line("at", ISODate.string(ban.at))
            for user in ban.outcasts { line("outcast", user.description) }
        }
        return Array(text.utf8)
    }

    static func parse(_ bytes: [UInt8], path: String) throws(StoreError) -> PersistentRoom {
        var single: [String: (value: String, line: Int)] = [:]
        var affiliations: [UserID: Affiliation] = [:]
        var bans: [RoomBan] = []
        var ban: (mask: String, line: Int, setBy: String?, at: Date?, outcasts: [UserID])?

        func finish() throws(StoreError) {
            guard let current = ban else { return }
            func fail(_ reason: String) -> StoreError { .corruptFile(path: path, line: current.line, reason: reason) }
            guard let setBy = current.setBy, let at = current.at else { throw fail("a ban needs 'set-by' and 'at'") }
            guard bans.count < RoomBan.maximumPerRoom else { throw fail("more than \(RoomBan.maximumPerRoom) bans") }
            bans.append(RoomBan(mask: current.mask, setBy: setBy, at: at, outcasts: current.outcasts))
            ban = nil
        }

        for (number, line) in try TextFormat.parse(bytes, header: header, path: path) {
            func fail(_ reason: String) -> StoreError { .corruptFile(path: path, line: number, reason: reason) }
            switch line {
            case .section(let title):
                guard title.hasPrefix("ban ") else { throw fail("unknown section '[\(title.prefix(40))]'") }
                try finish()
                guard let mask = TextFormat.unescape(TextFormat.trim(title.dropFirst("ban ".count))), !mask.isEmpty else {
                    throw fail("a ban section needs a mask")
                }
                ban = (mask, number, nil, nil, [])
            case .pair(let key, let value):
                if var current = ban {
                    switch key {
                    case "set-by":
                        guard current.setBy == nil else { throw fail("duplicate 'set-by'") }
                        current.setBy = value
                    case "at":
                        guard current.at == nil else { throw fail("duplicate 'at'") }
                        guard let at = ISODate.date(value) else { throw fail("'at' is not an ISO 8601 date") }
                        current.at = at
                    case "outcast":
                        guard let user = UserID(parsing: value) else { throw fail("'\(value.prefix(80))' is not an address") }
                        current.outcasts.append(user)
                    default: throw fail("unknown key '\(key)' in a ban")
                    }
                    ban = current
                    continue
                }
                if let affiliation = Affiliation(rawValue: key), affiliation != .none {
                    guard let user = UserID(parsing: value) else { throw fail("'\(value.prefix(80))' is not an address") }
                    guard affiliations[user] == nil else { throw fail("\(user) is listed twice") }
                    guard affiliations.count < maximumAffiliations else { throw fail("more than \(maximumAffiliations) affiliations") }
                    affiliations[user] = affiliation
                    continue
                }
                guard Self.singleKeys.contains(key) else { throw fail("unknown key '\(key)'") }
                guard single[key] == nil else { throw fail("duplicate '\(key)'") }
                single[key] = (value, number)
            }
        }
        try finish()
        return try room(from: single, affiliations: affiliations, bans: bans, path: path)
    }

    private static let singleKeys: Set = [
        "name", "title", "description", "members-only", "moderated", "topic-restricted", "hidden", "external-messages",
        "password", "max-occupants", "history-length", "subject", "subject-by", "subject-at",
    ]

    private static func room(
        from single: [String: (value: String, line: Int)], affiliations: [UserID: Affiliation], bans: [RoomBan], path: String
    ) throws(StoreError) -> PersistentRoom {
        func fail(_ key: String, _ reason: String) -> StoreError {
            .corruptFile(path: path, line: single[key]?.line ?? 0, reason: reason)
        }
        guard let nameText = single["name"]?.value, let id = RoomID(nameText) else { throw fail("name", "no valid 'name'") }
        var c = RoomConfiguration()
        c.persistent = true
        func flag(_ key: String, _ keep: inout Bool) throws(StoreError) {
            guard let text = single[key]?.value else { return }
            guard let value = TextFormat.boolean(text) else { throw fail(key, "'\(key)' must be yes or no") }
            keep = value
        }
        try flag("members-only", &c.membersOnly)
        try flag("moderated", &c.moderated)
        try flag("topic-restricted", &c.topicRestricted)
        try flag("hidden", &c.hidden)
        try flag("external-messages", &c.allowsExternalMessages)
        c.name = single["title"]?.value
        c.description = single["description"]?.value
        c.password = single["password"]?.value
        if let text = single["max-occupants"]?.value {
            guard let limit = Int(text), limit > 0 else { throw fail("max-occupants", "'max-occupants' must be a positive number") }
            c.maxOccupants = limit
        }
        if let text = single["history-length"]?.value {
            guard let length = Int(text), (0...RoomConfiguration.maximumHistory).contains(length) else {
                throw fail("history-length", "'history-length' must be 0 to \(RoomConfiguration.maximumHistory)")
            }
            c.historyLength = length
        }
        var topic: Topic?
        if let text = single["subject"]?.value {
            guard let atText = single["subject-at"]?.value, let at = ISODate.date(atText) else {
                throw fail("subject", "a subject needs a 'subject-at' ISO 8601 date")
            }
            var by: Nickname?
            if let nick = single["subject-by"]?.value {
                guard let valid = Nickname(nick) else { throw fail("subject-by", "'subject-by' is not a nickname") }
                by = valid
            }
            topic = Topic(text: text, setBy: by, at: at)
        }
        return PersistentRoom(id: id, configuration: c, affiliations: affiliations, topic: topic, bans: bans)
    }
}
