/// IRC nicknames: which strings an IRC client may hold as a nick, and how a nick from
/// another protocol (a text-chat or XMPP occupant) is shown to IRC clients when it is not
/// one of them.
///
/// **The foreign form** (docs/irc-server.md, "Nicks from other protocols"): a backquote,
/// then the nick with every Unicode scalar that is not an IRC nick character — and the
/// backquote itself — written as a backquote and the two upper-case hex digits of each of
/// its UTF-8 bytes. `alice!alice@localhost` → `` `alice`21alice`40localhost ``, `@admin` →
/// ``` ``40admin ```. The form is deterministic, always a valid IRC nick, and reversible
/// (`decodeForeign`). No IRC client can hold a nick that starts with a backquote (the server
/// refuses it with 432), so a foreign form never names an IRC client.
///
/// A foreign form longer than `maximumRenderedBytes` keeps its first part and ends in
/// `` `_ `` and eight hex digits of a hash of the whole nick: still deterministic and unique
/// in practice, resolved back through the room's occupants rather than by decoding.
public enum IRCNickname {
    /// The first character of every foreign form, and the escape character inside it.
    public static let foreignMarker: Unicode.Scalar = "`"
    /// The longest foreign form, in bytes, so that a source `nick!user@host` leaves room for
    /// text in a 512-byte line.
    public static let maximumRenderedBytes = 64

    /// RFC 2812 §2.3.1 `nickname = ( letter / special ) *( letter / digit / special / "-" )`,
    /// with letters beyond ASCII allowed (a Latin-1 or UTF-8 nick), at most `maximumLength`
    /// characters, and without the foreign marker in front.
    public static func isValid(_ nick: some StringProtocol, maximumLength: Int) -> Bool {
        guard let first = nick.unicodeScalars.first, nick.count <= maximumLength, first != foreignMarker,
            isLetter(first) || isSpecial(first)
        else { return false }
        return nick.unicodeScalars.allSatisfy(isNickCharacter)
    }

    /// The nick as IRC clients see a foreign occupant: as it is when it is a valid IRC nick
    /// of at most `maximumLength` characters and `available` (no IRC client holds it), else
    /// the foreign form.
    public static func render(foreign nick: String, maximumLength: Int, available: Bool) -> String {
        if available, isValid(nick, maximumLength: maximumLength) { return nick }
        return foreignForm(of: nick)
    }

    /// The foreign form of `nick` (see the type's description).
    public static func foreignForm(of nick: String) -> String {
        let full = foreignEscapes(of: nick)
        guard full.utf8.count > maximumRenderedBytes else { return full }
        // Bounded: a prefix cut at an escape boundary, then "`_" and a hash of the whole nick.
        var cut = String(foreignMarker)
        let keep = maximumRenderedBytes - 10
        var index = full.unicodeScalars.index(after: full.unicodeScalars.startIndex)
        let scalars = full.unicodeScalars
        while index < scalars.endIndex {
            let escape = scalars[index] == foreignMarker
            let bytes = escape ? 3 : scalars[index].utf8.count
            guard cut.utf8.count + bytes <= keep,
                let end = scalars.index(index, offsetBy: escape ? 3 : 1, limitedBy: scalars.endIndex)
            else { break }
            cut.unicodeScalars.append(contentsOf: scalars[index..<end])
            index = end
        }
        return cut + "`_" + hash(nick)
    }

    /// The nick a foreign form stands for; nil when `rendered` is not a complete, decodable
    /// foreign form (an IRC nick, or a hashed long form).
    public static func decodeForeign(_ rendered: some StringProtocol) -> String? {
        var scalars = rendered.unicodeScalars[...]
        guard scalars.first == foreignMarker else { return nil }
        scalars = scalars.dropFirst()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count)
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            guard scalar == foreignMarker else {
                bytes.append(contentsOf: String(scalar).utf8)
                continue
            }
            guard scalars.count >= 2, let high = hexValue(scalars.first!), let low = hexValue(scalars.dropFirst().first!)
            else { return nil }
            bytes.append(high << 4 | low)
            scalars = scalars.dropFirst(2)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    // MARK: Characters

    private static func isSpecial(_ scalar: Unicode.Scalar) -> Bool { "[]\\`_^{|}".unicodeScalars.contains(scalar) }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)))
            || (!scalar.isASCII && scalar.properties.isAlphabetic)
    }

    private static func isNickCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isLetter(scalar) || isSpecial(scalar) || scalar == "-" || ("0"..."9").contains(scalar)
    }

    /// Every non-nick scalar (and the marker) escaped, unbounded.
    private static func foreignEscapes(of nick: String) -> String {
        var form = String(foreignMarker)
        for scalar in nick.unicodeScalars {
            if scalar != foreignMarker, isNickCharacter(scalar) {
                form.unicodeScalars.append(scalar)
            } else {
                for byte in String(scalar).utf8 { form += "`" + hex(byte) }
            }
        }
        return form
    }

    private static let digits = Array("0123456789ABCDEF".unicodeScalars)

    private static func hex(_ byte: UInt8) -> String {
        var text = ""
        text.unicodeScalars.append(digits[Int(byte >> 4)])
        text.unicodeScalars.append(digits[Int(byte & 0x0F)])
        return text
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar {
        case "0"..."9": UInt8(scalar.value - 0x30)
        case "A"..."F": UInt8(scalar.value - 0x41 + 10)
        default: nil
        }
    }

    /// FNV-1a over the UTF-8 bytes, as eight hex digits: stable across runs and builds.
    private static func hash(_ nick: String) -> String {
        var value: UInt32 = 0x811C_9DC5
        for byte in nick.utf8 {
            value ^= UInt32(byte)
            value = value &* 0x0100_0193
        }
        return (0..<4).map { hex(UInt8(truncatingIfNeeded: value >> (24 - 8 * $0))) }.joined()
    }
}
