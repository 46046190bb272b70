/// Hides the secrets of an `--auth` string before it reaches a log line or an error
/// message: the whole argument of `memory:` (it is made of passwords), and the value of
/// every `;`-separated `key=value` whose key names a password or a secret
/// (`ldap:…;bind-password=…`; a `…-file` key names a file and is kept).
public enum AuthStringRedaction {
    public static let placeholder = "<redacted>"

    public static func redact(_ string: String) -> String {
        guard let colon = string.firstIndex(of: ":") else { return string }
        let kind = string[..<colon]
        if kind == "memory" { return "memory:" + placeholder }
        var result = String(string[...colon])
        var field = ""
        for character in string[string.index(after: colon)...] {
            if character == ";" {
                result += redactField(field) + String(character)
                field = ""
            } else {
                field.append(character)
            }
        }
        return result + redactField(field)
    }

    private static func redactField(_ field: String) -> String {
        guard let equals = field.firstIndex(of: "=") else { return field }
        let key = field[..<equals].lowercased()
        guard key.contains("password") || key.contains("secret"), !key.hasSuffix("-file") else { return field }
        return field[...equals] + placeholder
    }
}
