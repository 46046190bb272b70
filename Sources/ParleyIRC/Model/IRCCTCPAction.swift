import ParleyCore

/// CTCP ACTION, the `/me` convention of IRC: `\u{1}ACTION waves\u{1}` (the CTCP draft,
/// modern.ircdocs.horse "ACTION").
public enum IRCCTCPAction {
    /// The action text inside a CTCP ACTION, or nil when `text` is not one. The closing
    /// `\u{1}` is optional.
    public static func unwrap(_ text: String) -> String? {
        // COMPAT: some clients omit the closing \u{1}; the CTCP draft tolerates it.
        let bytes = text.utf8
        let opener = "\u{1}ACTION".utf8
        guard bytes.starts(with: opener) else { return nil }
        var rest = bytes.dropFirst(opener.count)
        if let last = rest.last, last == 0x01 { rest = rest.dropLast() }
        if rest.isEmpty { return "" }
        guard rest.first == UInt8(ascii: " ") else { return nil }  // `\u{1}ACTIONS…` is another command
        return String(Substring(rest.dropFirst()))
    }

    /// `\u{1}ACTION <text>\u{1}`.
    public static func wrap(_ text: String) -> String {
        var wrapped = ""
        wrapped.reserveCapacity(text.utf8.count + 9)
        wrapped += "\u{1}ACTION "
        wrapped += text
        wrapped += "\u{1}"
        return wrapped
    }
}

/// The values of the IRCv3 `+typing` client tag (`active`, `paused`, `done`) ↔ the model's
/// XEP-0085 chat states.
public enum IRCTypingValue {
    /// IRC `active` is typing (XEP-0085 composing); `done` is back to attentive (active).
    public static func state(for value: String) -> TypingState? {
        switch value {
        case "active": .composing
        case "paused": .paused
        case "done": .active
        default: nil
        }
    }

    /// The tag value for a chat state; active, inactive and gone all mean "not typing".
    public static func value(for state: TypingState) -> String {
        switch state {
        case .composing: "active"
        case .paused: "paused"
        case .active, .inactive, .gone: "done"
        }
    }
}
