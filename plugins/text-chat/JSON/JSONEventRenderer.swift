import Foundation
import ParleyCore

/// Turns model events and command replies into the JSON event API's objects (schema
/// version `version`, docs/web.md). Every value from a peer is a JSON string, escaped by
/// the serializer, so nothing a peer sends can forge a field or another event; showing
/// it safely (as text, never as markup) is the client's part, as the chat page does.
enum JSONEventRenderer {
    /// The schema version, announced in `hello`; it changes only when a field changes meaning.
    static let version = 1

    /// The first message of every connection.
    static func hello(domain: String) -> [String: Any] {
        ["type": "hello", "version": version, "server": "parley", "domain": domain]
    }

    /// The object for `event`, or nil when the API has none (requests between sessions).
    static func object(for event: ChatEvent) -> [String: Any]? {
        switch event {
        case .message(let message):
            var object = self.message(message)
            object["type"] = "message"
            return object
        case .presence(let from, let presence):
            return merged(["type": "presence", "from": from.description], self.presence(presence))
        case .subscription(let from, let request):
            return ["type": "subscription", "from": from.description, "request": request.rawValue]
        case .contactUpdated(let contact, _):
            return merged(["type": "contact"], self.contact(contact))
        case .contactRemoved(let address, _):
            return ["type": "contact-removed", "address": address.description]
        case .invitation(let room, let from, let reason):
            var object: [String: Any] = ["type": "invitation", "room": room.description, "from": from.description]
            object["reason"] = reason
            return object
        case .closed(let reason):
            switch reason {
            case .replaced: return ["type": "closed", "reason": "replaced"]
            case .shutdown: return ["type": "closed", "reason": "shutdown"]
            case .kicked(let why): return ["type": "closed", "reason": "kicked", "message": why]
            }
        case .query, .probe, .copy, .blockListChanged:  // JSON sessions never ask for copies or block lists
            return nil
        case .room(let room, let event):
            return merged(["room": room.description], object(for: event))
        }
    }

    static func object(for event: RoomEvent) -> [String: Any] {
        switch event {
        case .entered(let snapshot):
            var object: [String: Any] = [
                "type": "joined", "nick": snapshot.you.nick.displayName, "created": snapshot.created,
                "occupants": snapshot.occupants.map(occupant), "history": snapshot.history.map(message),
            ]
            object["topic"] = snapshot.topic.map(topic)
            return object
        case .occupantJoined(let joiner):
            return merged(["type": "occupant-joined"], occupant(joiner.occupant))
        case .occupantChanged(let old, let new, _):
            return merged(["type": "occupant-changed", "old-nick": old.nick.displayName], occupant(new))
        case .occupantLeft(let occupant, let reason):
            return merged(["type": "occupant-left", "nick": occupant.nick.displayName], leaving(reason))
        case .message(let message, _):
            return merged(self.message(message), ["type": "room-message"])
        case .privateMessage(let from, let message):
            return merged(self.message(message), ["type": "private-message", "nick": from.nick.displayName])
        case .topicChanged(let topic, _):
            return merged(["type": "topic"], self.topic(topic))
        case .banListChanged(let ban, let added, let by):
            var object: [String: Any] = ["type": "ban-list", "mask": ban.mask, "added": added]
            object["by"] = by?.nick.displayName
            return object
        case .voiceRequested(let requester):
            return ["type": "voice-request", "nick": requester.nick.displayName]
        case .configurationChanged(let configuration, _):
            return [
                "type": "room-configuration", "moderated": configuration.moderated,
                "members-only": configuration.membersOnly, "topic-restricted": configuration.topicRestricted,
            ]
        }
    }

    /// The object answering a command, tagged with the command's `id` when it had one.
    static func object(for reply: ChatReply, id: String?) -> [String: Any] {
        var object: [String: Any]
        switch reply {
        case .loggedIn(let session): object = ["type": "ok", "command": "login", "session": session.description]
        case .done(let command): object = ["type": "ok", "command": name(of: command)]
        case .contacts(let contacts): object = ["type": "contacts", "contacts": contacts.map(contact)]
        case .occupants(let room, let occupants):
            object = ["type": "occupants", "room": room.description, "occupants": occupants.map(occupant)]
        case .pong(let token):
            object = ["type": "pong"]
            object["token"] = token
        case .usage: object = ["type": "help", "commands": JSONCommand.usage.keys.sorted().map { JSONCommand.usage[$0]! }]
        case .goodbye: object = ["type": "bye"]
        case .refused(let code, let message):
            object = ["type": "error", "code": code]
            object["message"] = message
        }
        object["id"] = id
        return object
    }

    /// A refusal of a message that was not a command.
    static func object(for error: JSONCommand.ParseError) -> [String: Any] {
        object(for: .refused(code: error.code, message: error.message), id: error.id)
    }

    /// One JSON text: compact, keys sorted (stable for tests and diffs), `/` left alone.
    static func text(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return #"{"code":"internal","type":"error"}"# }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: Parts

    static func message(_ message: Message) -> [String: Any] {
        var object: [String: Any] = ["kind": message.kind.rawValue, "from": speaker(message)]
        object["body"] = message.body
        object["subject"] = message.subject
        object["id"] = message.id
        object["time"] = message.timestamp.map(timestamp)
        if message.payloads.contains(where: { $0.meaning == .action }) { object["action"] = true }
        return object
    }

    static func contact(_ contact: Contact) -> [String: Any] {
        var object: [String: Any] = [
            "address": contact.address.description, "subscription": "\(contact.subscription)", "groups": contact.groups.sorted(),
        ]
        object["name"] = contact.name
        return object
    }

    static func presence(_ presence: Presence) -> [String: Any] {
        var object: [String: Any] = ["show": presence.availability.rawValue]
        object["status"] = presence.status
        return object
    }

    static func occupant(_ occupant: Occupant) -> [String: Any] {
        merged(
            ["nick": occupant.nick.displayName, "role": occupant.role.rawValue, "affiliation": occupant.affiliation.rawValue],
            presence(occupant.presence))
    }

    static func topic(_ topic: Topic) -> [String: Any] {
        var object: [String: Any] = ["text": topic.text, "time": timestamp(topic.at)]
        object["by"] = topic.setBy?.displayName
        return object
    }

    static func leaving(_ reason: LeaveReason) -> [String: Any] {
        func by(_ actor: RoomActor?, _ why: String?) -> [String: Any] {
            var object: [String: Any] = [:]
            object["by"] = actor?.nick.displayName
            object["message"] = why
            return object
        }
        switch reason {
        case .left(let message): return merged(["reason": "left"], by(nil, message))
        case .kicked(let actor, let why): return merged(["reason": "kicked"], by(actor, why))
        case .banned(let actor, let why): return merged(["reason": "banned"], by(actor, why))
        case .deliveryFailed: return ["reason": "connection-lost"]
        case .membershipRevoked: return ["reason": "membership-revoked"]
        case .shutdown: return ["reason": "shutdown"]
        case .destroyed(let why, let alternate):
            var object = merged(["reason": "destroyed"], by(nil, why))
            object["alternate"] = alternate
            return object
        case .disconnected(let message): return merged(["reason": "disconnected"], by(nil, message))
        }
    }

    /// A room message's sender is its nick; any other message's, its address.
    static func speaker(_ message: Message) -> String {
        if case .occupant(_, let nick) = message.from { return nick.displayName }
        return message.from.description
    }

    /// The command's `type` in this API.
    static func name(of command: TextChatCommand) -> String {
        switch command {
        case .login: "login"
        case .join: "join"
        case .part: "part"
        case .say: "say"
        case .me: "me"
        case .msg: "msg"
        case .nick: "nick"
        case .topic: "topic"
        case .away: "away"
        case .back: "back"
        case .who: "who"
        case .ping: "ping"
        case .quit: "quit"
        case .help: "help"
        case .contacts: "contacts"
        case .subscription(let request, _): request.rawValue
        }
    }

    /// RFC 3339 in UTC, to the second.
    static func timestamp(_ date: Date) -> String {
        date.ISO8601Format()
    }

    private static func merged(_ first: [String: Any], _ second: [String: Any]) -> [String: Any] {
        first.merging(second) { _, new in new }
    }
}
