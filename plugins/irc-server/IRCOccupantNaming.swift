import ParleyCore
import ParleyIRC

/// How IRC clients see the model's occupants and senders. An occupant that is one of this
/// server's IRC clients is shown by its nick and hostmask, found by its *session* in the nick
/// table; anyone else (a text-chat or XMPP occupant) by `IRCNickname.render(foreign:)` — its
/// nick as is when that is a valid IRC nick that no IRC client holds, else the foreign
/// form — with its own user and domain as `user@host`. Nothing is ever looked up by a nick
/// string alone, so a foreign occupant named like an IRC client is never shown as that
/// client (docs/irc-server.md, "Nicks from other protocols").
struct IRCOccupantNaming: Sendable {
    let nicks: IRCNickTable
    /// The chat domain: its users' accounts are shown as accounts.
    let domain: String
    /// NICKLEN: a longer foreign nick is shown in the foreign form.
    let nickLength: Int

    /// The IRC client of this server behind `occupant`, if it is one (found by session).
    func ircEntry(of occupant: Occupant) -> IRCNickEntry? {
        ircEntry(among: occupant.sessions)
    }

    /// The IRC client among `sessions`, if one of them is this server's.
    private func ircEntry(among sessions: [SessionID]) -> IRCNickEntry? {
        for session in sessions {
            if let entry = nicks.entry(ofSession: session) { return entry }
        }
        return nil
    }

    /// The nick IRC clients see for `occupant`.
    func nick(of occupant: Occupant) -> String {
        if ircEntry(among: occupant.sessions) != nil { return occupant.nick.displayName }
        return foreignNick(occupant.nick)
    }

    /// The account IRC shows for `occupant` (extended-join, account-tag, WHOX): an IRC
    /// client's login, else a local account's name; nil for a guest or another server's user.
    func account(of occupant: Occupant) -> String? {
        if let entry = ircEntry(among: occupant.sessions) { return entry.account }
        guard !occupant.isGuest, occupant.user.domain == domain, !occupant.user.localpart.isEmpty else { return nil }
        return occupant.user.localpart
    }

    /// The realname IRC shows for `occupant`: an IRC client's, else its nick.
    func realname(of occupant: Occupant) -> String {
        ircEntry(among: occupant.sessions)?.realname ?? occupant.nick.displayName
    }

    /// `nick!user@host` of `occupant`.
    func source(of occupant: Occupant) -> String {
        if let hostmask = ircEntry(among: occupant.sessions)?.hostmask { return hostmask }
        return IRCHostmask.of(nick: foreignNick(occupant.nick), user: occupant.user)
    }

    /// `nick!user@host` of `occupant` under another of its nicks (the old one, for NICK).
    func source(of occupant: Occupant, asNick nick: Nickname) -> String {
        if let hostmask = ircEntry(among: occupant.sessions)?.hostmask, let bang = hostmask.firstIndex(of: "!") {
            return nick.displayName + hostmask[bang...]
        }
        return IRCHostmask.of(nick: foreignNick(nick), user: occupant.user)
    }

    /// The nick IRC clients see for the occupant called `nick` in `room`, when only its nick is
    /// known: the IRC client holding that nick if it is in that room under it (nicks are
    /// unique in a room), else the foreign rendering.
    func nick(_ nick: Nickname, in room: RoomID) -> String {
        ircClient(named: nick, in: room) != nil ? nick.displayName : foreignNick(nick)
    }

    /// The source for the occupant called `nick` in `room`: the IRC client's hostmask, or the
    /// foreign rendering of the nick alone (its user is not known here).
    func source(ofNick nick: Nickname, in room: RoomID) -> String {
        if let hostmask = ircClient(named: nick, in: room)?.hostmask { return hostmask }
        return foreignNick(nick)
    }

    /// The source of a user addressed as a whole (a direct message or an invitation from a
    /// session of another protocol): its localpart rendered as a foreign nick.
    func source(ofUser user: UserID) -> String {
        let name = user.localpart.isEmpty ? user.domain : user.localpart
        let nick = IRCNickname.render(foreign: name, maximumLength: nickLength, available: nicks.entry(for: name) == nil)
        return IRCHostmask.of(nick: nick, user: user)
    }

    /// The IRC client using `nick` in `room`: the entry holding the nick, whose session is in
    /// the room, and whose nick is the model's same nick.
    private func ircClient(named nick: Nickname, in room: RoomID) -> IRCNickEntry? {
        guard let entry = nicks.entry(for: nick.displayName), let session = entry.session,
            Nickname(entry.nick)?.key == nick.key, session.joinedRooms.contains(room)
        else { return nil }
        return entry
    }

    /// A foreign occupant's nick: as is when valid and no IRC client holds it.
    func foreignNick(_ nick: Nickname) -> String {
        IRCNickname.render(
            foreign: nick.displayName, maximumLength: nickLength, available: nicks.entry(for: nick.displayName) == nil)
    }

    /// The model nick an IRC client means by `target` among `occupants`: the occupant shown
    /// to IRC under that name, and no other (a foreign `bob` shown as `` `bob `` is not `bob`).
    func modelNick(for target: String, among occupants: some Sequence<Occupant>) -> Nickname? {
        occupants.first(where: { IRCCaseMapping.ascii.equals(nick(of: $0), target) })?.nick
    }
}
