/// Host name rules for server names and client hosts (irc-parser-tests
/// `validate-hostname`): RFC 1123 §2.1 labels of letters, digits and `-`, not starting or
/// ending with `-`, at most 63 bytes each, 253 in all, and at least two labels (a bare
/// `irc` or `com` is not an IRC host name). Punycode (`xn--`) labels pass as they are.
public enum IRCHostname {
    public static func isValid(_ host: some StringProtocol) -> Bool {
        let bytes = Substring(host).utf8
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        var labels = 0
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
            guard first != UInt8(ascii: "-"), last != UInt8(ascii: "-") else { return false }
            let allowed = label.allSatisfy { byte in
                (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
            }
            guard allowed else { return false }
            labels += 1
        }
        return labels >= 2
    }
}
