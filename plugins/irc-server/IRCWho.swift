import ParleyIRC

/// One WHO request (modern.ircdocs.horse "WHO message", IRCv3 whox) as a value: the masks,
/// the `o` flag and the WHOX fields, parsed once; `reply` formats one listed user as 352
/// or, for WHOX, 354 with the asked fields in their fixed order.
struct IRCWho: Sendable, Equatable {
    /// The masks as given, comma-separated in one parameter (`#a,#b`, `d*`).
    let masks: [String]
    /// `o`: operators only.
    let operatorsOnly: Bool
    /// The WHOX field letters asked for (nil: a plain WHO, answered with 352).
    let fields: Set<Character>?
    /// The WHOX token (`%…,token`), at most three digits.
    let token: String?

    /// WHOX fields in the order the reply carries them (IRCv3 whox: `tcuihsnfdlaor`).
    static let fieldOrder: [Character] = ["t", "c", "u", "i", "h", "s", "n", "f", "d", "l", "a", "o", "r"]

    /// `WHO [<mask> [<flags>][%<fields>[,<token>]]]`; no mask is `*`.
    init(parameters: [String]) {
        let mask = parameters.first.flatMap { $0.isEmpty ? nil : $0 } ?? "*"
        masks = mask.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        var flags = parameters.count > 1 ? Substring(parameters[1]) : ""
        var fields: Set<Character>?
        var token: String?
        if let percent = flags.firstIndex(of: "%") {
            let spec = flags[flags.index(after: percent)...]
            flags = flags[..<percent]
            let parts = spec.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            fields = Set((parts.first ?? "").filter { Self.fieldOrder.contains($0) })
            if parts.count > 1, !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy(\.isNumber) {
                token = String(parts[1])
            }
        }
        operatorsOnly = flags.contains("o")
        self.fields = fields
        self.token = token
    }

    /// What is shown of one user in one reply.
    struct Row: Sendable {
        var channel: String
        var user: String
        var host: String
        var server: String
        var nick: String
        /// `H`/`G`, `*` for an operator, then the channel prefixes.
        var flags: String
        var idleSeconds: Int
        var account: String?
        var realname: String
    }

    /// The parameters after the asker's nick: 352 `<channel> <user> <host> <server> <nick>
    /// <flags> :<hopcount> <realname>`, or 354 with the asked fields.
    func reply(_ row: Row) -> (numeric: String, parameters: [String]) {
        guard let fields else {
            return (
                IRCNumeric.whoReply,
                [row.channel, row.user, row.host, row.server, row.nick, row.flags, "0 \(row.realname)"]
            )
        }
        var parameters: [String] = []
        for field in Self.fieldOrder where fields.contains(field) {
            switch field {
            case "t": parameters.append(token ?? "0")
            case "c": parameters.append(row.channel)
            case "u": parameters.append(row.user)
            // Parley never shows a client's address: the placeholder ircds use for hidden IPs.
            case "i": parameters.append("255.255.255.255")
            case "h": parameters.append(row.host)
            case "s": parameters.append(row.server)
            case "n": parameters.append(row.nick)
            case "f": parameters.append(row.flags)
            case "d": parameters.append("0")
            case "l": parameters.append(String(row.idleSeconds))
            case "a": parameters.append(row.account ?? "0")
            case "o": parameters.append("n/a")
            case "r": parameters.append(row.realname)
            default: break
            }
        }
        return (IRCNumeric.whoxReply, parameters)
    }

    /// The flags field: `H` here or `G` gone, `*` for an IRC operator, then prefixes.
    static func flags(away: Bool, isOperator: Bool, prefixes: String) -> String {
        (away ? "G" : "H") + (isOperator ? "*" : "") + prefixes
    }
}
