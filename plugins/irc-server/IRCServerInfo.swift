import ParleyCore
import ParleyIRC

/// The server's fixed replies: RPL_ISUPPORT tokens (modern.ircdocs.horse "Feature
/// Advertisement") and the version.
struct IRCServerInfo: Sendable {
    static let version = "parley-0.1"
    static let channelModes = IRCChannelModes.chanmodesToken
    static let prefix = IRCChannelModes.prefixToken
    static let channelLength = 50
    static let topicLength = 390
    static let awayLength = 200
    static let kickLength = 255
    static let maxTargets = 4
    /// ISUPPORT USERLEN: the longest user part, `~` included.
    static let userLength = 16
    /// ISUPPORT NAMELEN: the longest realname (USER, SETNAME).
    static let realnameLength = 128

    let serverName: String
    let isupport: ISupport

    /// `roomsPerSession` is the chat service's `maxRoomsPerSession` (ISUPPORT `CHANLIMIT`).
    init(settings: IRCServerSettings, serverName: String, roomsPerSession: Int) {
        self.serverName = serverName
        // UTF8ONLY (IRCv3 utf8-only) unless `utf8-only` is off: then lines that are not UTF-8
        // are read as Latin-1 (IRCTextDecoding).
        var tokens: [ISupport.Parameter] = [
            .init("AWAYLEN", "\(Self.awayLength)"),
            .init("CASEMAPPING", IRCNickTable.caseMapping.token),
            .init("CHANLIMIT", "#:\(roomsPerSession)"),
            .init("CHANMODES", Self.channelModes),
            .init("CHANNELLEN", "\(Self.channelLength)"),
            .init("CHANTYPES", "#"),
            .init("KICKLEN", "\(Self.kickLength)"),
            .init("MAXLIST", "b:\(RoomBan.maximumPerRoom)"),
            .init("MAXTARGETS", "\(Self.maxTargets)"),
            .init("MODES", "4"),
            .init("NAMELEN", "\(Self.realnameLength)"),
            .init("NETWORK", settings.network),
            .init("NICKLEN", "\(settings.nickLength)"),
            .init("PREFIX", Self.prefix),
            .init("STATUSMSG", String(Self.prefix.split(separator: ")").last ?? "@+")),
            .init("TARGMAX", "PRIVMSG:\(Self.maxTargets),NOTICE:\(Self.maxTargets),JOIN:,PART:,NAMES:1,WHOIS:1"),
            .init("TOPICLEN", "\(Self.topicLength)"),
            .init("USERLEN", "\(Self.userLength)"),
            .init("WHOX"),
        ]
        if settings.utf8Only { tokens.append(.init("UTF8ONLY")) }
        isupport = ISupport(tokens)
    }

    /// The MOTD a server shows when no file is configured.
    static let defaultMOTD = [
        "Welcome to Parley: IRC channels here are the same rooms XMPP users join.",
        "Log in with SASL PLAIN or PASS account:password.",
    ]

    /// 004 RPL_MYINFO parameters after the nick: server, version, user modes, channel modes,
    /// channel modes with a parameter.
    var myInfo: [String] {
        let flags = Self.channelModes.filter { $0 != "," }
        let members = Self.prefix.dropFirst().prefix { $0 != ")" }
        let withParameter = Self.channelModes.split(separator: ",").prefix(3).joined()
        let userModes = String(IRCUserModes.letters.map(\.0))
        return [serverName, Self.version, userModes, String((flags + members).sorted()), String((withParameter + members).sorted())]
    }
}
