/// IRCv3 message-tags value escaping: `;` `\s` `\\` `\r` `\n` in the wire form.
public enum IRCTagEscaping {
    /// The wire form of a tag value.
    public static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x3B || $0 == 0x20 || $0 == 0x5C || $0 == 0x0D || $0 == 0x0A })
        else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case ";": out += "\\:"
            case " ": out += "\\s"
            case "\\": out += "\\\\"
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The value a wire form stands for. An unknown escape `\x` stands for `x`, and a lone
    /// trailing backslash is dropped (IRCv3 message-tags, "Escaping values").
    public static func unescape<S: StringProtocol>(_ wire: S) -> String {
        guard wire.utf8.contains(0x5C) else { return String(wire) }
        var out = ""
        out.reserveCapacity(wire.utf8.count)
        var escaping = false
        for scalar in wire.unicodeScalars {
            if escaping {
                escaping = false
                switch scalar {
                case ":": out += ";"
                case "s": out += " "
                case "r": out += "\r"
                case "n": out += "\n"
                default: out.unicodeScalars.append(scalar)
                }
            } else if scalar == "\\" {
                escaping = true
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
