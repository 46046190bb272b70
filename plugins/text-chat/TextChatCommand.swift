import ParleyCore

/// One command of the text-chat protocol, one per line. Words are separated by spaces;
/// the last argument of SAY, MSG, TOPIC, AWAY and PART is the rest of the line.
public enum TextChatCommand: Equatable, Sendable {
    case login(user: String, password: String)
    case join(RoomID, nick: Nickname?)
    case part(RoomID, message: String?)
    case say(RoomID, text: String)
    case me(RoomID, text: String)
    case msg(UserID, text: String)
    case nick(RoomID, Nickname)
    case topic(RoomID, text: String)
    case away(String?)
    case back
    case who(RoomID)
    /// The contact list (RFC 6121 §2: the roster).
    case contacts
    /// A subscription request or answer to a user (RFC 6121 §3).
    case subscription(SubscriptionRequest, UserID)
    case ping(String?)
    case quit
    case help

    /// Why a line is not a command; `code` is the word after ERR.
    public struct ParseError: Error, Equatable, Sendable {
        public let code: String
        public let message: String
    }

    /// Every command with its syntax, for HELP and errors.
    public static let usage: [String: String] = [
        "LOGIN": "LOGIN <user> <password>", "JOIN": "JOIN <room> [nick]", "PART": "PART <room> [message]",
        "SAY": "SAY <room> <text>", "ME": "ME <room> <action>", "MSG": "MSG <user[@domain]> <text>",
        "NICK": "NICK <room> <nick>", "TOPIC": "TOPIC <room> <text>", "AWAY": "AWAY [message]", "BACK": "BACK",
        "WHO": "WHO <room>", "PING": "PING [token]", "QUIT": "QUIT", "HELP": "HELP", "CONTACTS": "CONTACTS",
        "SUBSCRIBE": "SUBSCRIBE <user[@domain]>", "SUBSCRIBED": "SUBSCRIBED <user[@domain]>",
        "UNSUBSCRIBE": "UNSUBSCRIBE <user[@domain]>", "UNSUBSCRIBED": "UNSUBSCRIBED <user[@domain]>",
    ]

    /// Parses one line (without its terminator). `domain` completes a bare user name in MSG.
    /// `isServiceDomain` tells whether a bare word in MSG names a service (a component's
    /// domain such as `echo.example.com`) rather than a user of `domain`.
    public static func parse(_ line: String, domain: String, isServiceDomain: (String) -> Bool = { _ in false })
        throws(ParseError) -> TextChatCommand
    {
        let trimmed = line.drop { $0 == " " }
        let verbEnd = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        let verb = trimmed[..<verbEnd].uppercased()
        let rest = trimmed[verbEnd...].drop { $0 == " " }
        guard !verb.isEmpty else { throw ParseError(code: "empty", message: "type HELP for the commands") }
        guard let syntax = usage[verb] else {
            throw ParseError(code: "unknown-command", message: "\(verb) is not a command; type HELP")
        }
        func split(_ text: Substring) -> (String, String?) {
            guard let space = text.firstIndex(of: " ") else { return (String(text), nil) }
            let tail = text[space...].drop { $0 == " " }
            return (String(text[..<space]), tail.isEmpty ? nil : String(tail))
        }
        func usageError() -> ParseError { ParseError(code: "syntax", message: "usage: \(syntax)") }
        let (first, tail) = split(rest)
        switch verb {
        case "LOGIN":
            guard !first.isEmpty, let password = tail else { throw usageError() }
            return .login(user: first, password: password)
        case "JOIN":
            guard !first.isEmpty else { throw usageError() }
            return .join(try room(first), nick: try tail.map { name throws(ParseError) in try nick(name) })
        case "PART":
            guard !first.isEmpty else { throw usageError() }
            return .part(try room(first), message: tail)
        case "SAY", "ME", "TOPIC":
            guard !first.isEmpty, let text = tail else { throw usageError() }
            let target = try room(first)
            return verb == "SAY" ? .say(target, text: text) : verb == "ME" ? .me(target, text: text) : .topic(target, text: text)
        case "MSG":
            guard !first.isEmpty, let text = tail else { throw usageError() }
            return .msg(try user(first, domain: domain, isServiceDomain: isServiceDomain), text: text)
        case "NICK":
            guard !first.isEmpty, let name = tail else { throw usageError() }
            return .nick(try room(first), try nick(name))
        case "AWAY":
            return .away(rest.isEmpty ? nil : String(rest))
        case "WHO":
            guard !first.isEmpty else { throw usageError() }
            return .who(try room(first))
        case "PING":
            return .ping(rest.isEmpty ? nil : String(rest))
        case "SUBSCRIBE", "SUBSCRIBED", "UNSUBSCRIBE", "UNSUBSCRIBED":
            guard !first.isEmpty, tail == nil else { throw usageError() }
            let request = SubscriptionRequest(rawValue: verb.lowercased())!
            return .subscription(request, try user(first, domain: domain, isServiceDomain: isServiceDomain))
        case "CONTACTS": return .contacts
        case "BACK": return .back
        case "QUIT": return .quit
        default: return .help
        }
    }

    /// The room `name` names (a leading `#` is allowed).
    static func room(_ name: String) throws(ParseError) -> RoomID {
        let bare = name.hasPrefix("#") ? String(name.dropFirst()) : name
        guard let room = RoomID(bare) else { throw ParseError(code: "bad-room", message: "'\(name)' is not a room name") }
        return room
    }

    static func nick(_ name: String) throws(ParseError) -> Nickname {
        guard let nick = Nickname(name) else { throw ParseError(code: "bad-nick", message: "'\(name)' is not a nickname") }
        return nick
    }

    /// The user `name` names: an address, a service's domain, or a bare name on `domain`.
    static func user(_ name: String, domain: String, isServiceDomain: (String) -> Bool) throws(ParseError) -> UserID {
        let address = name.contains("@") || isServiceDomain(name.lowercased()) ? name : "\(name)@\(domain)"
        guard let user = UserID(parsing: address) else {
            throw ParseError(code: "bad-user", message: "'\(name)' is not a user address")
        }
        return user
    }
}
