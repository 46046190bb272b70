import ParleyIRC

/// One member of a channel as the client sees it: nick, prefix symbols (highest rank
/// first, several with `multi-prefix`), and user/host when the server told us
/// (`userhost-in-names`, JOIN).
public struct IRCChannelMember: Sendable, Hashable {
    public var nick: String
    /// Prefix symbols such as `@+`, ordered by the server's PREFIX rank.
    public var prefixes: String
    public var user: String?
    public var host: String?

    public init(nick: String, prefixes: String = "", user: String? = nil, host: String? = nil) {
        self.nick = nick
        self.prefixes = prefixes
        self.user = user
        self.host = host
    }

    /// The highest prefix symbol, if any (`@` for an operator).
    public var highestPrefix: Character? { prefixes.first }

    /// Parses one entry of a 353 reply: `@+nick` (multi-prefix) or `@nick!user@host`
    /// (userhost-in-names), with `symbols` from PREFIX (IRCv3 multi-prefix,
    /// userhost-in-names).
    init(namesEntry entry: Substring, symbols: [Character]) {
        let name = entry.drop { symbols.contains($0) }
        let found = entry[..<name.startIndex]
        let userHost = IRCUserHost(parsing: name)
        self.init(
            nick: userHost.nick, prefixes: Self.ordered(Set(found), by: symbols), user: userHost.user,
            host: userHost.host)
    }

    /// Adds (`adding` true) or removes one prefix symbol, keeping the rank order.
    mutating func set(_ symbol: Character, _ adding: Bool, order symbols: [Character]) {
        var current = Set(prefixes)
        if adding { current.insert(symbol) } else { current.remove(symbol) }
        prefixes = Self.ordered(current, by: symbols)
    }

    static func ordered(_ set: Set<Character>, by symbols: [Character]) -> String {
        String(symbols.filter(set.contains))
    }
}

/// The members of one channel, keyed by folded nick.
struct IRCChannelRoster: Sendable, Equatable {
    /// The channel name as the server spelled it in our JOIN.
    var name: String
    var members: [String: IRCChannelMember] = [:]
}
