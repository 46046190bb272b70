/// One IRCv3 message tag (IRCv3 message-tags): its key, with the `+` client-only prefix and
/// any vendor part (`+draft/reply`, `example.com/x`), and its value unescaped; `nil` when
/// the tag was sent without a value (`@away-notify` style, or `key=`).
public struct IRCTag: Sendable, Hashable {
    public var key: String
    public var value: String?

    public init(_ key: String, _ value: String? = nil) {
        self.key = key
        self.value = value
    }

    /// True for a client-only tag (`+typing`), which a server relays without reading.
    public var isClientOnly: Bool { key.utf8.first == UInt8(ascii: "+") }
}

/// Why a line is not an IRC message; each case names the limit or rule it broke.
public enum IRCParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing but spaces (or tags) on the line.
    case empty
    /// No command after the tags and source.
    case missingCommand
    /// The command is neither letters nor a three-digit numeric.
    case invalidCommand
    /// The tag section exceeds `IRCLimits.maximumTagBytes`.
    case tagsTooLong
    /// The message without tags exceeds `IRCLimits.maximumBodyBytes`.
    case bodyTooLong
    /// NUL, CR or LF inside the line.
    case forbiddenCharacter
    /// More than `IRCLimits.maximumParameters` parameters.
    case tooManyParameters
    /// A tag with an empty or malformed key.
    case invalidTag

    public var description: String {
        switch self {
        case .empty: "empty message"
        case .missingCommand: "no command"
        case .invalidCommand: "invalid command"
        case .tagsTooLong: "message tags over the size limit"
        case .bodyTooLong: "message longer than \(IRCLimits.maximumBodyBytes) bytes"
        case .forbiddenCharacter: "NUL, CR or LF inside the message"
        case .tooManyParameters: "more than \(IRCLimits.maximumParameters) parameters"
        case .invalidTag: "malformed message tag"
        }
    }
}

/// The hard limits of the IRC wire format.
public enum IRCLimits {
    /// RFC 1459 §2.3: 512 bytes with the CR LF, so 510 without.
    public static let maximumBodyBytes = 510
    /// IRCv3 message-tags: the tag section, with its `@` and trailing space, is at most 8191 bytes.
    public static let maximumTagBytes = 8191
    /// IRCv3 message-tags: what a client may send, `@` and trailing space included (4094
    /// bytes of tag data); a server answers more with 417.
    public static let maximumClientTagBytes = 4096
    /// The longest line a framer accepts before it gives up on finding CR LF.
    public static let maximumLineBytes = maximumTagBytes + maximumBodyBytes + 2
    /// RFC 1459 §2.3: at most 15 parameters.
    public static let maximumParameters = 15
}

/// One IRC message (RFC 1459 §2.3.1, as modern IRC reads it) with IRCv3 message tags:
/// `@tags :source COMMAND param param :trailing`. Values are kept unescaped; the line form
/// is made by `serialized()`.
public struct IRCMessage: Sendable, Hashable {
    public var tags: [IRCTag]
    /// The source (prefix) without its leading colon: `nick!user@host` or a server name.
    public var source: String?
    /// The command as sent, upper-cased when it is a word (`PRIVMSG`), or a numeric (`001`).
    public var command: String
    public var parameters: [String]

    public init(tags: [IRCTag] = [], source: String? = nil, command: String, parameters: [String] = []) {
        self.tags = tags
        self.source = source
        self.command = command
        self.parameters = parameters
    }

    /// The value of the first tag called `key`: `nil` when absent, `.some(nil)` when present
    /// without a value.
    public func tag(_ key: String) -> String?? {
        for tag in tags where tag.key == key { return .some(tag.value) }
        return nil
    }

    /// The numeric of a reply (`001` → 1), or nil for a word command.
    public var numeric: Int? {
        let bytes = command.utf8
        guard bytes.count == 3, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(command)
    }
}
