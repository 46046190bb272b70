import ParleyCore
import ParleyIRC
import Synchronization

/// One nick in use on this server: its connection and, once registered, its model
/// session and user.
struct IRCNickEntry: Sendable {
    /// The nick as the client spelled it.
    var nick: String
    let connection: IRCConnection
    var session: ChatSession?
    var userID: UserID?
    /// The account name when the client logged in (nil for a guest).
    var account: String?
    /// `nick!user@host` once registered.
    var hostmask: String?
    /// The realname from `USER … :realname` (RFC 2812 §3.1.3), for WHOIS 311 and WHO 352.
    var realname: String?
    /// The client's mind once registered: how other connections write to it or read its
    /// AWAY text without hopping to its actor.
    var mind: IRCMind?
}

/// The server-wide nick table: folded nick (CASEMAPPING=ascii) → who holds it. A nick is
/// reserved when the client sends NICK, before registration completes, so two clients can
/// never register the same nick (RFC 2812 §3.1.2: ERR_NICKNAMEINUSE).
final class IRCNickTable: Sendable {
    private struct Table {
        var entries: [String: IRCNickEntry] = [:]
        /// Registered sessions → their folded nick.
        var sessions: [SessionID: String] = [:]
    }
    private let table = Mutex(Table())
    static let caseMapping = IRCCaseMapping.ascii

    init() {}

    static func fold(_ nick: some StringProtocol) -> String { caseMapping.fold(nick) }

    /// Reserves `nick` for `connection`, releasing `previous` (its former nick) in the same
    /// step; false when another connection holds it.
    func claim(_ nick: String, for connection: IRCConnection, replacing previous: String? = nil) -> Bool {
        let key = Self.fold(nick)
        return table.withLock { table in
            var entry = IRCNickEntry(nick: nick, connection: connection)
            if let existing = table.entries[key] {
                guard existing.connection === connection else { return false }
                entry = existing
            } else if let previous, let old = table.entries[Self.fold(previous)], old.connection === connection {
                entry = old
                table.entries[Self.fold(previous)] = nil
            }
            entry.nick = nick
            if let session = entry.session, let user = entry.userID {
                entry.hostmask = Self.hostmask(nick: nick, user: user, guest: entry.account == nil)
                table.sessions[session.id] = key
            }
            table.entries[key] = entry
            return true
        }
    }

    /// Records the model session, mind and realname of a registered nick.
    func attach(
        _ nick: String, session: ChatSession, userID: UserID, account: String?, realname: String?, mind: IRCMind,
        for connection: IRCConnection
    ) {
        let key = Self.fold(nick)
        table.withLock { table in
            guard var entry = table.entries[key], entry.connection === connection else { return }
            entry.session = session
            entry.userID = userID
            entry.account = account
            entry.realname = realname
            entry.mind = mind
            entry.hostmask = Self.hostmask(nick: entry.nick, user: userID, guest: account == nil)
            table.entries[key] = entry
            table.sessions[session.id] = key
        }
    }

    /// `nick!user@host` as other clients see it: the account's localpart as user part, or
    /// `~guest` for a guest; the host is the user's domain (IRCHostmask).
    static func hostmask(nick: String, user: UserID, guest: Bool) -> String {
        guest ? "\(nick)!~guest@\(user.domain)" : IRCHostmask.of(nick: nick, user: user)
    }

    /// The hostmask of the registered client using `nick`.
    func hostmask(ofNick nick: some StringProtocol) -> String? {
        let key = Self.fold(nick)
        return table.withLock { $0.entries[key]?.hostmask }
    }

    /// The hostmask of the IRC client owning `session`, nil for another protocol's session.
    func hostmask(ofSession session: SessionID) -> String? {
        table.withLock { table in table.sessions[session].flatMap { table.entries[$0]?.hostmask } }
    }

    /// The nick entry of the IRC client owning `session`.
    func entry(ofSession session: SessionID) -> IRCNickEntry? {
        table.withLock { table in table.sessions[session].flatMap { table.entries[$0] } }
    }

    /// Frees `nick` if `connection` holds it.
    func release(_ nick: String, for connection: IRCConnection) {
        let key = Self.fold(nick)
        table.withLock { table in
            guard let entry = table.entries[key], entry.connection === connection else { return }
            table.entries[key] = nil
            if let session = entry.session { table.sessions[session.id] = nil }
        }
    }

    /// Who holds `nick` (any case).
    func entry(for nick: some StringProtocol) -> IRCNickEntry? {
        let key = Self.fold(nick)
        return table.withLock { $0.entries[key] }
    }

    /// Nicks in use (registered or not).
    var count: Int { table.withLock { $0.entries.count } }

    /// Every registered entry (for WHO-style listings; copies the table).
    var registered: [IRCNickEntry] { table.withLock { $0.entries.values.filter { $0.session != nil } } }
}
