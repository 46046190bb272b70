/// Escaping of user-supplied text before it goes into a search filter or a DN, so that a
/// user name can never change the filter's or the DN's structure.
public enum LDAPEscaping {
    /// `value` as an assertion value inside a filter string (RFC 4515 §3): `*`, `(`, `)`,
    /// `\` and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00`; everything else, non-ASCII
    /// UTF-8 included, stays as it is.
    public static func filterValue(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "*": escaped += "\\2a"
            case "(": escaped += "\\28"
            case ")": escaped += "\\29"
            case "\\": escaped += "\\5c"
            case "\u{0}": escaped += "\\00"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// `value` as an attribute value inside a DN string (RFC 4514 §2.4): `,` `+` `"` `\`
    /// `<` `>` `;` `=` get a backslash, so do a leading `#` or space and a trailing space;
    /// NUL becomes `\00`. Other characters, non-ASCII UTF-8 included, stay as they are.
    public static func dnValue(_ value: String) -> String {
        let scalars = Array(value.unicodeScalars)
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case ",", "+", "\"", "\\", "<", ">", ";", "=":
                escaped += "\\"
                escaped.unicodeScalars.append(scalar)
            case "\u{0}":
                escaped += "\\00"
            case "#" where index == 0:
                escaped += "\\#"
            case " " where index == 0 || index == scalars.count - 1:
                escaped += "\\ "
            default:
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
