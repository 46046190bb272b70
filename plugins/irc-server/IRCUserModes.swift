/// The user modes a client holds (RFC 2812 §3.1.5): `i` invisible (the default, as on
/// most networks today: only users sharing a channel see it in WHO and NAMES), `w` receives
/// WALLOPS, `o` IRC operator (only OPER sets it; the client may drop it).
struct IRCUserModes: OptionSet, Sendable, Hashable {
    let rawValue: UInt8

    static let invisible = IRCUserModes(rawValue: 1 << 0)
    static let wallops = IRCUserModes(rawValue: 1 << 1)
    static let `operator` = IRCUserModes(rawValue: 1 << 2)

    /// The letters, in the order RPL_UMODEIS (221) and 004 show them.
    static let letters: [(Character, IRCUserModes)] = [("i", .invisible), ("o", .operator), ("w", .wallops)]

    /// `+iw` style, `+` alone for none.
    var modeString: String {
        "+" + String(Self.letters.filter { contains($0.1) }.map(\.0))
    }

    /// The mode a letter stands for, nil for an unknown letter.
    static func mode(for letter: Character) -> IRCUserModes? {
        letters.first { $0.0 == letter }?.1
    }
}
