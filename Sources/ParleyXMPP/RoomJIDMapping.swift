import ParleyCore

/// The one rule between a model room and its XMPP address: `name@rooms-domain`, where the
/// room name's characters that a JID localpart cannot hold are written as XEP-0106 escapes
/// (`#a&b` on IRC is the room `a&b`, `a\26b@conference.example.org` in XMPP). Both ways:
/// `localpart(of:)` and `room(localpart:)` are inverses for every valid room name.
public struct RoomJIDMapping: Sendable, Equatable {
    /// The MUC service's domain (`conference.example.org`).
    public let domain: String

    public init(domain: String) {
        self.domain = domain
    }

    /// The room's bare JID.
    public func jid(of room: RoomID) -> JID {
        JID(localpart: Self.localpart(of: room), domain: domain)
    }

    /// An occupant's room JID (`room@domain/nick`).
    public func jid(of room: RoomID, nick: Nickname) -> JID {
        JID(localpart: Self.localpart(of: room), domain: domain, resource: nick.displayName)
    }

    /// The room a JID on this service names; nil for the service itself or a name that is
    /// no valid room.
    public func room(of jid: JID) -> RoomID? {
        guard jid.domain == domain, let localpart = jid.localpart else { return nil }
        return Self.room(localpart: localpart)
    }

    // MARK: XEP-0106 §4

    /// The ten characters XEP-0106 escapes, with their escape (`\` + two hex digits).
    static let escapes: [(Character, String)] = [
        (" ", "20"), ("\"", "22"), ("&", "26"), ("'", "27"), ("/", "2f"), (":", "3a"), ("<", "3c"), (">", "3e"),
        ("@", "40"), ("\\", "5c"),
    ]

    /// The escaped localpart of a room name. A backslash is escaped only where it would
    /// otherwise read as an escape (§4.2), so names without such a sequence stay as written.
    public static func localpart(of room: RoomID) -> String {
        escape(room.displayName)
    }

    static func escape(_ name: String) -> String {
        // Most names need nothing (this runs for every room message's `from`).
        guard name.utf8.contains(where: { escapedBytes.contains($0) }) else { return name }
        var out = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            if character == "\\" {
                let next = String(characters[(index + 1)...].prefix(2)).lowercased()
                out += escapes.contains { $0.1 == next } ? "\\5c" : "\\"
            } else if let escape = escapes.first(where: { $0.0 == character }) {
                out += "\\" + escape.1
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// The bytes of the escaped characters (all ASCII).
    static let escapedBytes = Set(escapes.flatMap { $0.0.utf8 })

    /// The room a localpart names, undoing XEP-0106 escapes; nil when the result is no
    /// valid room name.
    public static func room(localpart: String) -> RoomID? {
        RoomID(unescape(localpart))
    }

    static func unescape(_ localpart: String) -> String {
        guard localpart.utf8.contains(UInt8(ascii: "\\")) else { return localpart }
        var out = ""
        let characters = Array(localpart)
        var index = 0
        while index < characters.count {
            if characters[index] == "\\", index + 2 < characters.count {
                let code = String(characters[(index + 1)...(index + 2)]).lowercased()
                if let escape = escapes.first(where: { $0.1 == code }) {
                    out.append(escape.0)
                    index += 3
                    continue
                }
            }
            out.append(characters[index])
            index += 1
        }
        return out
    }
}
