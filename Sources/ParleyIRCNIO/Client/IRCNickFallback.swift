/// The alternative nicks tried when the server refuses ours during registration (433
/// ERR_NICKNAMEINUSE, 432 ERR_ERRONEUSNICKNAME, 436 ERR_NICKCOLLISION): first `nick_`,
/// then `nick1`, `nick2`, …, each cut to the nick length so the suffix always fits.
public enum IRCNickFallback {
    /// The nick for attempt `attempt` (1 is the first fallback), at most `maximumLength`
    /// bytes long.
    public static func nick(base: String, attempt: Int, maximumLength: Int) -> String {
        let suffix = attempt <= 1 ? "_" : String(attempt - 1)
        let room = max(1, maximumLength - suffix.utf8.count)
        return truncated(base, toBytes: room) + suffix
    }

    /// `text` cut to at most `bytes` UTF-8 bytes without splitting a character.
    static func truncated(_ text: String, toBytes bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var out = ""
        for character in text {
            if out.utf8.count + character.utf8.count > bytes { break }
            out.append(character)
        }
        return out
    }
}
