import ParleyCore

/// AWAY ↔ presence: `AWAY :text` is `Presence(.away, status: text)`; `AWAY` alone is
/// `Presence(.available)`. Presence shown to IRC: away for away/xa/dnd (with the status
/// text, or a default text naming the state when there is none).
public enum IRCAway {
    /// RFC 2812 §4.1 AWAY: a text sets the away state, no text (or an empty one) clears it.
    public static func presence(forAwayMessage text: String?) -> Presence {
        guard let text, !text.isEmpty else { return Presence(.available) }
        return Presence(.away, status: text)
    }

    /// The away message IRC shows for a presence (RPL_AWAY 301, away-notify); nil when the
    /// user is available, free for chat or offline.
    public static func awayMessage(for presence: Presence) -> String? {
        let fallback: String
        switch presence.availability {
        case .chat, .available, .unavailable: return nil
        case .away: fallback = "Away"
        case .xa: fallback = "Extended away"
        case .dnd: fallback = "Do not disturb"
        }
        if let status = presence.status, !status.isEmpty { return status }
        return fallback
    }
}
