import ParleyCore

/// How IRC shows a model user: `nick!user@host`. The user part is the account's localpart
/// (a guest's `~username` is the server's business: `unverifiedUserPart`), the host is the
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
        of(nick: nick, userPart: user.localpart.isEmpty ? "*" : userPart(user.localpart), host: user.domain)
    }

    /// The user part of a client whose username nobody verified: `~` and the username it
    /// gave in USER (RFC 2812 §3.1.3), as ircds show a user without ident (RFC 1413): only
    /// letters, digits and `-_.[]{}\`^|` kept, at most `maximumLength` bytes with the `~`
    /// (ISUPPORT USERLEN). A username with nothing left shows as `~user`.
    public static func unverifiedUserPart(_ username: String, maximumLength: Int) -> String {
        let allowed = Set("-_.[]{}\\`^|".utf8)
        var part = "~"
        for byte in username.utf8 where part.utf8.count < maximumLength {
            let isAlphanumeric = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            if isAlphanumeric || allowed.contains(byte) { part.unicodeScalars.append(Unicode.Scalar(byte)) }
        }
        return part == "~" ? "~user" : part
    }

    /// `nick!user@host` from its parts; `user` already made safe.
    public static func of(nick: String, userPart: String, host: String) -> String {
        var mask = ""
        mask.reserveCapacity(nick.utf8.count + userPart.utf8.count + host.utf8.count + 2)
        mask += nick
        mask += "!"
        mask += userPart
        mask += "@"
        mask += host
        return mask
    }

    /// The localpart made safe and bounded for the user part of a hostmask.
    public static func userPart(_ localpart: String) -> String {
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
