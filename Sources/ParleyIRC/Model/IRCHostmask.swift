import ParleyCore

/// How IRC shows a model user: `nick!user@host`. The user part is the account's localpart
/// (`~guest` style for guests is the server's business: it passes it in), the host is the
/// user's domain — never the client's IP address.
public enum IRCHostmask {
    /// The longest user part shown, in bytes: a longer localpart is cut (at a character
    /// boundary), so that a source always leaves room for text in a 512-byte line.
    public static let maximumUserBytes = 64

    /// `nick!localpart@domain`; a service address (empty localpart) shows `*` as its user.
    /// A space, `!`, `@`, CR, LF or NUL in the localpart is shown as `_`: the user part can
    /// never end the source early or make it name someone else.
    public static func of(nick: String, user: UserID) -> String {
        // RFC 2812 §2.3.1 `prefix = nickname [ [ "!" user ] "@" host ]`.
        let localpart = user.localpart.isEmpty ? "*" : userPart(user.localpart)
        var mask = ""
        mask.reserveCapacity(nick.utf8.count + localpart.utf8.count + user.domain.utf8.count + 2)
        mask += nick
        mask += "!"
        mask += localpart
        mask += "@"
        mask += user.domain
        return mask
    }

    /// The localpart made safe and bounded for the user part of a hostmask.
    static func userPart(_ localpart: String) -> String {
        func unsafe(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "@") || IRCTextSplitter.isBreak(byte)
        }
        guard localpart.utf8.count > maximumUserBytes || localpart.utf8.contains(where: unsafe) else { return localpart }
        var part = ""
        for scalar in localpart.unicodeScalars {
            guard part.utf8.count + scalar.utf8.count <= maximumUserBytes else { break }
            if scalar.isASCII, unsafe(UInt8(scalar.value)) { part += "_" } else { part.unicodeScalars.append(scalar) }
        }
        return part
    }
}
