/// What one IRC client negotiated that changes how the server's lines look to it: the
/// input of `IRCEventRenderer` besides the event itself, settable flag by flag so that
/// rendering can be tested without a connection.
struct IRCRecipient: Sendable, Equatable {
    /// The server's name, the source of numerics and server-made lines.
    var serverName: String
    /// The recipient's current nick, the first parameter of every numeric.
    var nick: String
    /// The negotiated capabilities, two bytes (one recipient per client: memory per idle
    /// client is a target); the flags below read and set them.
    var capabilities: IRCCapabilities = []

    /// IRCv3 message-tags: client-only tags and `msgid` are sent.
    var messageTags: Bool {
        get { capabilities.contains(.messageTags) }
        set { if newValue { capabilities.insert(.messageTags) } else { capabilities.remove(.messageTags) } }
    }
    /// IRCv3 server-time: `time` is sent.
    var serverTime: Bool {
        get { capabilities.contains(.serverTime) }
        set { if newValue { capabilities.insert(.serverTime) } else { capabilities.remove(.serverTime) } }
    }
    /// IRCv3 echo-message: the client gets its own messages back.
    var echoMessage: Bool {
        get { capabilities.contains(.echoMessage) }
        set { if newValue { capabilities.insert(.echoMessage) } else { capabilities.remove(.echoMessage) } }
    }
    /// IRCv3 away-notify: AWAY lines for channel peers.
    var awayNotify: Bool {
        get { capabilities.contains(.awayNotify) }
        set { if newValue { capabilities.insert(.awayNotify) } else { capabilities.remove(.awayNotify) } }
    }
    /// IRCv3 multi-prefix: every prefix of a member in NAMES and WHO.
    var multiPrefix: Bool {
        get { capabilities.contains(.multiPrefix) }
        set { if newValue { capabilities.insert(.multiPrefix) } else { capabilities.remove(.multiPrefix) } }
    }
    /// IRCv3 userhost-in-names: `nick!user@host` in NAMES.
    var userhostInNames: Bool {
        get { capabilities.contains(.userhostInNames) }
        set { if newValue { capabilities.insert(.userhostInNames) } else { capabilities.remove(.userhostInNames) } }
    }
    /// IRCv3 invite-notify: INVITE lines for invitations by others to a channel one is op in.
    var inviteNotify: Bool {
        get { capabilities.contains(.inviteNotify) }
        set { if newValue { capabilities.insert(.inviteNotify) } else { capabilities.remove(.inviteNotify) } }
    }
    /// IRCv3 extended-join: JOIN carries the account and realname.
    var extendedJoin: Bool {
        get { capabilities.contains(.extendedJoin) }
        set { if newValue { capabilities.insert(.extendedJoin) } else { capabilities.remove(.extendedJoin) } }
    }
    /// IRCv3 account-tag: messages carry the sender's `account`.
    var accountTag: Bool {
        get { capabilities.contains(.accountTag) }
        set { if newValue { capabilities.insert(.accountTag) } else { capabilities.remove(.accountTag) } }
    }
    /// IRCv3 chghost: CHGHOST lines of channel peers.
    var chghost: Bool {
        get { capabilities.contains(.chghost) }
        set { if newValue { capabilities.insert(.chghost) } else { capabilities.remove(.chghost) } }
    }
    /// IRCv3 setname: SETNAME lines of channel peers.
    var setname: Bool {
        get { capabilities.contains(.setname) }
        set { if newValue { capabilities.insert(.setname) } else { capabilities.remove(.setname) } }
    }

    init(serverName: String, nick: String) {
        self.serverName = serverName
        self.nick = nick
    }

    /// Which of the eight renderings of a message this recipient needs (message-tags ×
    /// server-time × account-tag): every recipient with the same index gets the same bytes.
    var messageVariant: Int { (messageTags ? 1 : 0) | (serverTime ? 2 : 0) | (accountTag ? 4 : 0) }
}
