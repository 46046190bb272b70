import ParleyCore
import ParleyIRC

/// What `IRCClientState` asks its shell (`IRCClient`) to do.
public enum IRCClientAction: Sendable, Equatable {
    /// Write this line (through the rate limiter).
    case send(IRCMessage)
    /// Write this line ahead of the queued ones (PONG, registration, SASL).
    case sendNow(IRCMessage)
    /// Tell the library's user.
    case event(IRCClientEvent)
    /// Close the connection (a reconnect may follow via `disconnected()`).
    case close
    /// Connect again after this many seconds.
    case scheduleReconnect(after: Double)
}

/// What happened on the connection, for the library's user.
public enum IRCClientEvent: Sendable, Equatable {
    /// The TCP (and TLS) connection is up; registration starts.
    case connected
    /// Capability negotiation finished with these capabilities enabled.
    case capabilitiesEnabled(Set<String>)
    /// SASL succeeded (900/903) as this account.
    case authenticated(account: String)
    /// SASL failed (904–908); `reason` is the server's text.
    case authenticationFailed(reason: String)
    /// 001 arrived: we are on the network under `nick`.
    case registered(nick: String)
    /// Our nick was taken or refused during registration; trying `next`.
    case nickRejected(nick: String, next: String)
    /// No acceptable nick within the configured attempts.
    case registrationFailed(reason: String)
    /// Our own nick changed (NICK from ourselves).
    case nickChanged(from: String, to: String)
    /// A PRIVMSG, NOTICE or TAGMSG (decoded, with its tags). A `draft/multiline` batch is
    /// one message: its lines' texts joined (with a line feed, or nothing for a
    /// `draft/multiline-concat` line), the opening BATCH's tags (msgid, time).
    case message(IRCMessage)
    /// `draft/multiline` is enabled (with `batch`): the server takes batches within these
    /// limits (`IRCMultiline.batch`); after `capabilitiesEnabled`.
    case multilineEnabled(IRCMultiline.Limits)
    /// `draft/chathistory` is enabled (with `batch`) and ISUPPORT says `CHATHISTORY=limit`
    /// (0: no maximum): `IRCChatHistory.request` may be sent.
    case historyAvailable(limit: Int)
    /// The reply to a `CHATHISTORY` request for `target`: its PRIVMSG and NOTICE lines
    /// (with their `time` and `msgid`), oldest first as the server sent them; empty when
    /// there is none.
    case history(target: String, [IRCMessage])
    /// A batch from the server broke a bound (too many lines or bytes, too many open, never
    /// closed): `reason` says what was delivered and dropped. For the log.
    case batchLimited(type: String, reason: String)
    /// We joined `channel` (our own JOIN echoed by the server).
    case joined(channel: String)
    /// We left `channel` (PART).
    case parted(channel: String, reason: String?)
    /// We were kicked from `channel` by `by`.
    case kicked(channel: String, by: String, reason: String?)
    /// One member of `channel` changed (a JOIN, PART, QUIT, KICK, NICK or prefix MODE of
    /// someone else, or our own NICK), or the NAMES list ended; comes before the
    /// `namesChanged` it causes.
    case memberChanged(channel: String, IRCMemberChange)
    /// The member list of `channel` changed (NAMES finished, or a JOIN/PART/QUIT/KICK/
    /// NICK/MODE changed it); ask `members(of:)`.
    case namesChanged(channel: String)
    /// Any other line from the server, for the user to handle.
    case other(IRCMessage)
    /// The server sent ERROR with this text (it closes next).
    case serverError(String)
    /// The connection is gone (or could not be made).
    case disconnected(reason: String)
    /// The next connection attempt starts after this many seconds.
    case reconnecting(after: Double)
}

/// How one member of a channel changed, for a user that shows each change (a gateway's
/// XEP-0045 presences) rather than re-reading the member list.
public enum IRCMemberChange: Sendable, Equatable {
    /// Someone joined (RFC 2812 §3.2.1).
    case joined(IRCChannelMember)
    /// Someone left with PART (§3.2.2).
    case parted(nick: String, reason: String?)
    /// Someone quit the network (§3.1.7); one change per channel shared with them.
    case quit(nick: String, reason: String?)
    /// Someone was kicked by `by` (§3.2.8).
    case kicked(nick: String, by: String, reason: String?)
    /// Someone (perhaps we) is now known as `to.nick` (§3.1.2).
    case renamed(from: String, to: IRCChannelMember)
    /// A member's prefix modes changed (`+o`, `-v`); the member as it is now.
    case prefixesChanged(IRCChannelMember)
    /// The whole member list arrived (NAMES ended, RFC 2812 §3.2.5: 366), ourselves
    /// included, sorted by nick: after our own JOIN, the moment the channel is complete.
    case listed([IRCChannelMember])
}
