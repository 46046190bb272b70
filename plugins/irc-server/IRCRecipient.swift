/// What one IRC client negotiated that changes how the server's lines look to it: the
/// input of `IRCEventRenderer` besides the event itself. Plain booleans so that rendering
/// can be tested without a connection.
struct IRCRecipient: Sendable, Equatable {
    /// The server's name, the source of numerics and server-made lines.
    var serverName: String
    /// The recipient's current nick, the first parameter of every numeric.
    var nick: String
    /// IRCv3 message-tags: client-only tags and `msgid` are sent.
    var messageTags = false
    /// IRCv3 server-time: `time` is sent.
    var serverTime = false
    /// IRCv3 echo-message: the client gets its own messages back.
    var echoMessage = false
    /// IRCv3 away-notify: AWAY lines for channel peers.
    var awayNotify = false
    /// IRCv3 multi-prefix: every prefix of a member in NAMES and WHO.
    var multiPrefix = false
    /// IRCv3 userhost-in-names: `nick!user@host` in NAMES.
    var userhostInNames = false
    /// IRCv3 invite-notify: INVITE lines for invitations by others to a channel one is op in.
    var inviteNotify = false
    /// IRCv3 extended-join: JOIN carries the account and realname.
    var extendedJoin = false
    /// IRCv3 account-tag: messages carry the sender's `account`.
    var accountTag = false
    /// IRCv3 chghost and setname: CHGHOST and SETNAME lines of channel peers.
    var chghost = false
    var setname = false

    init(serverName: String, nick: String) {
        self.serverName = serverName
        self.nick = nick
    }

    /// Which of the eight renderings of a message this recipient needs (message-tags ×
    /// server-time × account-tag): every recipient with the same index gets the same bytes.
    var messageVariant: Int { (messageTags ? 1 : 0) | (serverTime ? 2 : 0) | (accountTag ? 4 : 0) }
}
