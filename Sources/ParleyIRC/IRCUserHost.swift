/// A source split into its parts (RFC 2812 §2.3.1 `nickname [ [ "!" user ] "@" host ]`,
/// irc-parser-tests `userhost-split`). Parts that are absent or empty are nil; `nick` is
/// empty when the source had none (`!user@host`). A server name splits as a bare `nick`.
public struct IRCUserHost: Sendable, Hashable {
    public var nick: String
    public var user: String?
    public var host: String?

    public init(nick: String, user: String? = nil, host: String? = nil) {
        self.nick = nick
        self.user = user
        self.host = host
    }

    /// Splits at the first `@` (host after it), then the part before it at the first `!`.
    public init(parsing source: some StringProtocol) {
        let text = Substring(source)
        let bytes = text.utf8
        var nickUser = text[...]
        var host: Substring?
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            nickUser = text[..<at]
            host = text[bytes.index(after: at)...]
        }
        var user: Substring?
        var nick = nickUser
        if let bang = nickUser.utf8.firstIndex(of: UInt8(ascii: "!")) {
            nick = nickUser[..<bang]
            user = nickUser[nickUser.utf8.index(after: bang)...]
        }
        self.init(
            nick: String(nick), user: user.flatMap { $0.isEmpty ? nil : String($0) },
            host: host.flatMap { $0.isEmpty ? nil : String($0) })
    }

    /// The `nick!user@host` form, leaving out absent parts.
    public var description: String {
        var out = nick
        if let user { out += "!" + user }
        if let host { out += "@" + host }
        return out
    }
}
