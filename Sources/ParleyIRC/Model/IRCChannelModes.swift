import ParleyCore

/// Channel modes ↔ the model: configuration flags, the prefix modes ↔ roles and
/// affiliations, and bans. PREFIX=(qov)~@+ : +q owner (affiliation); +o op, which is the
/// admin affiliation with the moderator role it brings (an occupant that is a moderator by
/// role only, as XMPP moderators can be, shows `@` too); +v voice (participant role in a
/// moderated room; member affiliation otherwise). CHANMODES=b,k,l,imnstP (b list; k always takes a parameter; l only when
/// set; flags i m n t s P).
public enum IRCChannelModes {
    /// ISUPPORT `PREFIX`.
    public static let prefixToken = "(qov)~@+"
    /// ISUPPORT `CHANMODES`.
    public static let chanmodesToken = "b,k,l,imnstP"
    /// ISUPPORT `MODES`: parameter modes accepted in one MODE command.
    public static let maximumChanges = 6
    /// ISUPPORT `KEYLEN`: longer keys are cut, as ircds do.
    public static let maximumKeyLength = 23
    /// The flag modes (CHANMODES group D), in the order `modeString` shows them.
    public static let flagModes: [Character] = ["i", "m", "n", "t", "s", "P"]

    /// The prefixes of an occupant, highest first (`~@` for an owner: the owner
    /// affiliation AND the moderator role); the first one only when `multiPrefix` is false.
    public static func prefixes(of occupant: Occupant, moderated: Bool, multiPrefix: Bool) -> String {
        // IRCv3 multi-prefix: every prefix, in PREFIX order; without it, the highest only.
        // The privileges are the core's (`RoomPrivilege`); PREFIX only names them.
        var prefixes = ""
        if occupant.has(.owner, moderated: moderated) { prefixes.append("~") }
        if !multiPrefix && !prefixes.isEmpty { return prefixes }
        if occupant.has(.operator, moderated: moderated) {
            prefixes.append("@")
            if !multiPrefix { return prefixes }
        }
        if occupant.has(.voice, moderated: moderated) { prefixes.append("+") }
        return prefixes
    }

    /// `+ntk` style mode string and its parameters for RPL_CHANNELMODEIS (324); the key and
    /// limit are shown only when `showParameters` (to members, as ircds do).
    public static func modeString(for configuration: RoomConfiguration, showParameters: Bool)
        -> (modes: String, parameters: [String])
    {
        var modes = "+"
        var parameters: [String] = []
        for flag in flagModes where isSet(flag, in: configuration) { modes.append(flag) }
        // `l` before `k`, as ratbox-family ircds do: a `k` shown without its key then
        // comes last and leaves the other parameters in place.
        if let limit = configuration.maxOccupants {
            modes.append("l")
            if showParameters { parameters.append(String(limit)) }
        }
        if let key = configuration.password {
            modes.append("k")
            if showParameters { parameters.append(key) }
        }
        return (modes, parameters)
    }

    /// Whether a flag mode is on in a configuration.
    static func isSet(_ flag: Character, in configuration: RoomConfiguration) -> Bool {
        switch flag {
        case "i": configuration.membersOnly
        case "m": configuration.moderated
        case "n": !configuration.allowsExternalMessages
        case "t": configuration.topicRestricted
        case "s": configuration.hidden
        case "P": configuration.persistent
        default: false
        }
    }

    /// Applies flag/key/limit changes to a configuration (i ↔ membersOnly, m ↔ moderated,
    /// n ↔ !allowsExternalMessages, t ↔ topicRestricted, s ↔ hidden, P ↔ persistent,
    /// k ↔ password, l ↔ maxOccupants). Member and ban changes are not configuration.
    public static func apply(_ changes: [Change], to configuration: RoomConfiguration) -> RoomConfiguration {
        var result = configuration
        for change in changes {
            switch change {
            case .flag("i", let on): result.membersOnly = on
            case .flag("m", let on): result.moderated = on
            case .flag("n", let on): result.allowsExternalMessages = !on
            case .flag("t", let on): result.topicRestricted = on
            case .flag("s", let on): result.hidden = on
            case .flag("P", let on): result.persistent = on
            case .key(let key): result.password = key
            case .limit(let limit): result.maxOccupants = limit
            case .flag, .member, .ban, .listBans: continue
            }
        }
        return result
    }
}
