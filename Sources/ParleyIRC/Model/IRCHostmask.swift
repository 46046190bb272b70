import ParleyCore

/// How IRC shows a model user: `nick!user@host`. The user part is the account's localpart
/// (`~guest` style for guests is the server's business: it passes it in), the host is the
/// user's domain — never the client's IP address.
public enum IRCHostmask {
    /// `nick!localpart@domain`; a service address (empty localpart) shows `*` as its user.
    public static func of(nick: String, user: UserID) -> String {
        // RFC 2812 §2.3.1 `prefix = nickname [ [ "!" user ] "@" host ]`.
        let localpart = user.localpart.isEmpty ? "*" : user.localpart
        var mask = ""
        mask.reserveCapacity(nick.utf8.count + localpart.utf8.count + user.domain.utf8.count + 2)
        mask += nick
        mask += "!"
        mask += localpart
        mask += "@"
        mask += user.domain
        return mask
    }
}
