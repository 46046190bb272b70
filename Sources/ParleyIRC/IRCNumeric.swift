/// Numeric reply codes (RFC 2812 §5 and modern.ircdocs.horse "Numerics"), as the
/// three-digit command strings `IRCMessage.command` holds. Each carries its
/// conventional `RPL_`/`ERR_` name in a comment.
public enum IRCNumeric {
    /// RPL_WELCOME
    public static let welcome = "001"
    /// RPL_YOURHOST
    public static let yourHost = "002"
    /// RPL_CREATED
    public static let created = "003"
    /// RPL_MYINFO
    public static let myInfo = "004"
    /// RPL_ISUPPORT
    public static let isupport = "005"
    /// RPL_UMODEIS
    public static let userModeIs = "221"
    /// RPL_LUSERCLIENT
    public static let lUserClient = "251"
    /// RPL_LUSEROP
    public static let lUserOp = "252"
    /// RPL_LUSERUNKNOWN
    public static let lUserUnknown = "253"
    /// RPL_LUSERCHANNELS
    public static let lUserChannels = "254"
    /// RPL_LUSERME
    public static let lUserMe = "255"
    /// RPL_TRYAGAIN (RFC 2812 §5.1): the command was refused for now; retry later.
    public static let tryAgain = "263"
    /// RPL_LOCALUSERS
    public static let localUsers = "265"
    /// RPL_GLOBALUSERS
    public static let globalUsers = "266"
    /// RPL_AWAY
    public static let away = "301"
    /// RPL_UNAWAY
    public static let unaway = "305"
    /// RPL_NOWAWAY
    public static let nowAway = "306"
    /// RPL_WHOISUSER
    public static let whoisUser = "311"
    /// RPL_WHOISSERVER
    public static let whoisServer = "312"
    /// RPL_WHOISOPERATOR
    public static let whoisOperator = "313"
    /// RPL_WHOWASUSER
    public static let whowasUser = "314"
    /// RPL_ENDOFWHO
    public static let endOfWho = "315"
    /// RPL_WHOISIDLE
    public static let whoisIdle = "317"
    /// RPL_ENDOFWHOIS
    public static let endOfWhois = "318"
    /// RPL_WHOISCHANNELS
    public static let whoisChannels = "319"
    /// RPL_LISTSTART
    public static let listStart = "321"
    /// RPL_LIST
    public static let list = "322"
    /// RPL_LISTEND
    public static let listEnd = "323"
    /// RPL_CHANNELMODEIS
    public static let channelModeIs = "324"
    /// RPL_CREATIONTIME
    public static let creationTime = "329"
    /// RPL_WHOISACCOUNT
    public static let whoisAccount = "330"
    /// RPL_NOTOPIC
    public static let noTopic = "331"
    /// RPL_TOPIC
    public static let topic = "332"
    /// RPL_TOPICWHOTIME
    public static let topicWhoTime = "333"
    /// RPL_INVITING
    public static let inviting = "341"
    /// RPL_INVITELIST
    public static let inviteList = "346"
    /// RPL_ENDOFINVITELIST
    public static let endOfInviteList = "347"
    /// RPL_EXCEPTLIST
    public static let exceptList = "348"
    /// RPL_ENDOFEXCEPTLIST
    public static let endOfExceptList = "349"
    /// RPL_WHOREPLY
    public static let whoReply = "352"
    /// RPL_WHOSPCRPL (IRCv3 whox): a WHO reply with the fields the client asked for.
    public static let whoxReply = "354"
    /// RPL_NAMREPLY
    public static let namReply = "353"
    /// RPL_ENDOFNAMES
    public static let endOfNames = "366"
    /// RPL_BANLIST
    public static let banList = "367"
    /// RPL_ENDOFBANLIST
    public static let endOfBanList = "368"
    /// RPL_ENDOFWHOWAS
    public static let endOfWhowas = "369"
    /// RPL_MOTD
    public static let motd = "372"
    /// RPL_MOTDSTART
    public static let motdStart = "375"
    /// RPL_ENDOFMOTD
    public static let endOfMotd = "376"
    /// RPL_YOUREOPER
    public static let youreOper = "381"
    /// RPL_TIME
    public static let time = "391"
    /// ERR_UNKNOWNERROR
    public static let unknownError = "400"
    /// ERR_NOSUCHNICK
    public static let noSuchNick = "401"
    /// ERR_NOSUCHSERVER
    public static let noSuchServer = "402"
    /// ERR_NOSUCHCHANNEL
    public static let noSuchChannel = "403"
    /// ERR_CANNOTSENDTOCHAN
    public static let cannotSendToChannel = "404"
    /// ERR_TOOMANYCHANNELS
    public static let tooManyChannels = "405"
    /// ERR_WASNOSUCHNICK
    public static let wasNoSuchNick = "406"
    /// ERR_TOOMANYTARGETS
    public static let tooManyTargets = "407"
    /// ERR_NOORIGIN
    public static let noOrigin = "409"
    /// ERR_NORECIPIENT
    public static let noRecipient = "411"
    /// ERR_NOTEXTTOSEND
    public static let noTextToSend = "412"
    /// ERR_INPUTTOOLONG
    public static let inputTooLong = "417"
    /// ERR_UNKNOWNCOMMAND
    public static let unknownCommand = "421"
    /// ERR_NOMOTD
    public static let noMotd = "422"
    /// ERR_NONICKNAMEGIVEN
    public static let noNicknameGiven = "431"
    /// ERR_ERRONEUSNICKNAME
    public static let erroneousNickname = "432"
    /// ERR_NICKNAMEINUSE
    public static let nicknameInUse = "433"
    /// ERR_UNAVAILRESOURCE (RFC 2812 §5.2): the channel is temporarily unavailable.
    public static let unavailableResource = "437"
    /// ERR_NICKCOLLISION
    public static let nickCollision = "436"
    /// ERR_USERNOTINCHANNEL
    public static let userNotInChannel = "441"
    /// ERR_NOTONCHANNEL
    public static let notOnChannel = "442"
    /// ERR_USERONCHANNEL
    public static let userOnChannel = "443"
    /// ERR_NOTREGISTERED
    public static let notRegistered = "451"
    /// ERR_NEEDMOREPARAMS
    public static let needMoreParams = "461"
    /// ERR_ALREADYREGISTERED
    public static let alreadyRegistered = "462"
    /// ERR_PASSWDMISMATCH
    public static let passwordMismatch = "464"
    /// ERR_YOUREBANNEDCREEP
    public static let youreBannedCreep = "465"
    /// ERR_CHANNELISFULL
    public static let channelIsFull = "471"
    /// ERR_UNKNOWNMODE
    public static let unknownMode = "472"
    /// ERR_INVITEONLYCHAN
    public static let inviteOnlyChannel = "473"
    /// ERR_BANNEDFROMCHAN
    public static let bannedFromChannel = "474"
    /// ERR_BADCHANNELKEY
    public static let badChannelKey = "475"
    /// ERR_BADCHANMASK
    public static let badChannelMask = "476"
    /// ERR_NEEDREGGEDNICK (ircu/InspIRCd; 'no chanmodes' in RFC 2812)
    public static let needRegisteredNick = "477"
    /// ERR_BANLISTFULL
    public static let banListFull = "478"
    /// ERR_NOPRIVILEGES
    public static let noPrivileges = "481"
    /// ERR_CHANOPRIVSNEEDED
    public static let channelOperatorPrivilegesNeeded = "482"
    /// ERR_CANTKILLSERVER
    public static let cantKillServer = "483"
    /// ERR_NOOPERHOST
    public static let noOperHost = "491"
    /// ERR_UMODEUNKNOWNFLAG
    public static let userModeUnknownFlag = "501"
    /// ERR_USERSDONTMATCH
    public static let usersDontMatch = "502"
    /// ERR_INVALIDKEY
    public static let invalidKey = "525"
    /// RPL_STARTTLS
    public static let startTLS = "670"
    /// ERR_INVALIDMODEPARAM: a mode parameter the server cannot accept.
    public static let invalidModeParam = "696"
    /// RPL_WHOISSECURE
    public static let whoisSecure = "671"
    /// ERR_STARTTLS
    public static let startTLSFailed = "691"
    /// RPL_LOGGEDIN (IRCv3 sasl-3.1)
    public static let loggedIn = "900"
    /// RPL_LOGGEDOUT (IRCv3 sasl-3.1)
    public static let loggedOut = "901"
    /// ERR_NICKLOCKED (IRCv3 sasl-3.1)
    public static let nickLocked = "902"
    /// RPL_SASLSUCCESS (IRCv3 sasl-3.1)
    public static let saslSuccess = "903"
    /// ERR_SASLFAIL (IRCv3 sasl-3.1)
    public static let saslFail = "904"
    /// ERR_SASLTOOLONG (IRCv3 sasl-3.1)
    public static let saslTooLong = "905"
    /// ERR_SASLABORTED (IRCv3 sasl-3.1)
    public static let saslAborted = "906"
    /// ERR_SASLALREADY (IRCv3 sasl-3.1)
    public static let saslAlready = "907"
    /// RPL_SASLMECHS (IRCv3 sasl-3.1)
    public static let saslMechanisms = "908"
}
