import Foundation
import ParleyCore

/// One message a client sends the JSON event API: a JSON object naming a command by its
/// `type`, with the command's fields and an optional `id` that the replies carry back.
/// Parsing checks every field (type, length) and builds the same `TextChatCommand` a
/// text-chat line makes, with the same room, nick and address rules; a field can never
/// spill into another, whatever it holds.
struct JSONCommand: Equatable, Sendable {
    /// The client's tag for this command (a string of at most `maximumIDLength` bytes).
    let id: String?
    let command: TextChatCommand

    /// Bytes an `id` may have.
    static let maximumIDLength = 128

    /// Why a message is not a command: `code` is the error's stable code, `id` the
    /// message's own when it had a readable one.
    struct ParseError: Error, Equatable, Sendable {
        let code: String
        let message: String
        var id: String? = nil
    }

    /// Every command with its fields (`?`: optional), for `help` and errors.
    static let usage: [String: String] = [
        "login": #"{"type":"login","user":…,"password":…}"#,
        "join": #"{"type":"join","room":…,"nick"?:…}"#,
        "part": #"{"type":"part","room":…,"message"?:…}"#,
        "say": #"{"type":"say","room":…,"text":…}"#,
        "me": #"{"type":"me","room":…,"text":…}"#,
        "msg": #"{"type":"msg","to":…,"text":…}"#,
        "nick": #"{"type":"nick","room":…,"nick":…}"#,
        "topic": #"{"type":"topic","room":…,"text":…}"#,
        "away": #"{"type":"away","status"?:…}"#,
        "back": #"{"type":"back"}"#,
        "who": #"{"type":"who","room":…}"#,
        "ping": #"{"type":"ping","token"?:…}"#,
        "quit": #"{"type":"quit"}"#,
        "help": #"{"type":"help"}"#,
        "contacts": #"{"type":"contacts"}"#,
        "subscribe": #"{"type":"subscribe","to":…}"#,
        "subscribed": #"{"type":"subscribed","to":…}"#,
        "unsubscribe": #"{"type":"unsubscribe","to":…}"#,
        "unsubscribed": #"{"type":"unsubscribed","to":…}"#,
    ]

    /// Parses one text message. `domain` completes a bare user name in `msg`;
    /// `isServiceDomain` tells whether it names a service instead.
    static func parse(_ text: String, domain: String, isServiceDomain: (String) -> Bool = { _ in false })
        throws(ParseError) -> JSONCommand
    {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw ParseError(code: "not-json", message: "each message is one JSON object (RFC 8259)")
        }
        guard let object = parsed as? [String: Any] else {
            throw ParseError(code: "not-an-object", message: "each message is one JSON object, not an array or a value")
        }
        var fields = Fields(object: object, id: nil)
        let id = try fields.optional("id")
        guard id.map({ $0.utf8.count <= maximumIDLength }) ?? true else {
            throw ParseError(code: "bad-field", message: "'id' is longer than \(maximumIDLength) bytes")
        }
        fields.id = id
        guard let type = object["type"] as? String else {
            throw ParseError(code: "missing-field", message: "'type' names the command; {\"type\":\"help\"} lists them", id: id)
        }
        func room() throws(ParseError) -> RoomID {
            let name = try fields.required("room")
            return try fields.checked { () throws(TextChatCommand.ParseError) in try TextChatCommand.room(name) }
        }
        func nick(_ name: String) throws(ParseError) -> Nickname {
            try fields.checked { () throws(TextChatCommand.ParseError) in try TextChatCommand.nick(name) }
        }
        let command: TextChatCommand
        switch type {
        case "login": command = .login(user: try fields.required("user"), password: try fields.required("password"))
        case "join":
            let target = try room()
            let requested = try fields.optional("nick")
            command = .join(target, nick: try requested.map { name throws(ParseError) in try nick(name) })
        case "part": command = .part(try room(), message: try fields.optional("message"))
        case "say": command = .say(try room(), text: try fields.required("text"))
        case "me": command = .me(try room(), text: try fields.required("text"))
        case "topic": command = .topic(try room(), text: try fields.required("text"))
        case "msg":
            let to = try fields.required("to")
            let user = try fields.checked { () throws(TextChatCommand.ParseError) in
                try TextChatCommand.user(to, domain: domain, isServiceDomain: isServiceDomain)
            }
            command = .msg(user, text: try fields.required("text"))
        case "nick":
            let target = try room()
            command = .nick(target, try nick(fields.required("nick")))
        case "away": command = .away(try fields.optional("status"))
        case "back": command = .back
        case "who": command = .who(try room())
        case "ping": command = .ping(try fields.optional("token"))
        case "quit": command = .quit
        case "help": command = .help
        case "contacts": command = .contacts
        case "subscribe", "subscribed", "unsubscribe", "unsubscribed":
            let to = try fields.required("to")
            let user = try fields.checked { () throws(TextChatCommand.ParseError) in
                try TextChatCommand.user(to, domain: domain, isServiceDomain: isServiceDomain)
            }
            command = .subscription(SubscriptionRequest(rawValue: type)!, user)
        default:
            throw ParseError(code: "unknown-command", message: "'\(type.prefix(64))' is not a command; {\"type\":\"help\"} lists them", id: id)
        }
        return JSONCommand(id: id, command: command)
    }

    /// The fields of one message, read with their checks.
    private struct Fields {
        let object: [String: Any]
        var id: String?

        func required(_ name: String) throws(ParseError) -> String {
            guard let value = try optional(name) else {
                throw ParseError(code: "missing-field", message: "'\(name)' is missing", id: id)
            }
            return value
        }

        /// A string field, or nil when absent or null; any other JSON type is refused.
        func optional(_ name: String) throws(ParseError) -> String? {
            switch object[name] {
            case nil, is NSNull: return nil
            case let text as String: return text
            default: throw ParseError(code: "bad-field", message: "'\(name)' must be a string", id: id)
            }
        }

        /// Runs a text-chat check, its refusal becoming this message's.
        func checked<T>(_ check: () throws(TextChatCommand.ParseError) -> T) throws(ParseError) -> T {
            do { return try check() } catch { throw ParseError(code: error.code, message: error.message, id: id) }
        }
    }
}
