import ParleyCore
import ParleyIRC
import Synchronization

/// One nick in use on this server: its connection and, once registered, its mind, which
/// knows the model session, user, account, hostmask and realname (`IRCMind.Registered`).
/// The table keeps only these three words per client (memory per idle client is a
/// target, docs/benchmarks-irc.md).
struct IRCNickEntry: Sendable {
    /// The nick as the client spelled it.
    var nick: String
    let connection: IRCConnection
    /// The client's mind once registered: how other connections write to it or read its
    /// AWAY text without hopping to its actor.
    var mind: IRCMind?

    /// What the mind knows of the registered client (one lock, one copy).
    var registered: IRCMind.Registered? { mind?.registered }
    var session: ChatSession? { registered?.session }
    var userID: UserID? { registered?.userID }
    /// The account name when the client logged in (nil for a guest).
    var account: String? { registered?.account }
    /// `nick!user@host` once registered.
    var hostmask: String? { registered?.hostmask }
    /// The realname from `USER … :realname` (RFC 2812 §3.1.3) or SETNAME.
    var realname: String? { registered?.realname }
}

/// The server-wide nick table: folded nick (CASEMAPPING=ascii) → who holds it. A nick is
/// reserved when the client sends NICK, before registration completes, so two clients can
/// never register the same nick (RFC 2812 §3.1.2: ERR_NICKNAMEINUSE).
///
/// A registered session is found by its nick, derived from its user (`sessionKey`: an
/// account's user is usually named as the nick) or from its session name (a guest's
/// session is named after its nick). Only the sessions whose nick is neither (renamed
/// clients) are listed in `moved`.
final class IRCNickTable: Sendable {
    private struct Table {
        var entries: [String: IRCNickEntry] = [:]
        /// Registered sessions whose folded nick is not `sessionKey(of:)` → their folded nick.
        var moved: [SessionID: String] = [:]
    }
    private let table = Mutex(Table())
    static let caseMapping = IRCCaseMapping.ascii

    init() {}

    static func fold(_ nick: some StringProtocol) -> String { caseMapping.fold(nick) }

    /// The folded nick a session most likely uses: its account name.
    static func sessionKey(of session: SessionID) -> String {
        fold(session.user.localpart)
    }

    /// Records where `session` is found now that its folded nick is `key`.
    private static func index(_ session: SessionID, at key: String, in table: inout Table) {
        if key == sessionKey(of: session) || key == fold(session.resource) {
            if !table.moved.isEmpty, table.moved.removeValue(forKey: session) != nil, table.moved.isEmpty {
                table.moved = [:]
            }
        } else {
            table.moved[session] = key
        }
    }

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
            if let mind = entry.mind, let registered = mind.registered {
                mind.rename(to: nick)
                Self.index(registered.session.id, at: key, in: &table)
            }
            table.entries[key] = entry
            return true
        }
    }

    /// Records the mind of a registered nick (which knows its session, user and realname).
    func attach(_ nick: String, mind: IRCMind, for connection: IRCConnection) {
        let key = Self.fold(nick)
        table.withLock { table in
            guard var entry = table.entries[key], entry.connection === connection,
                let registered = mind.registered
            else { return }
            entry.mind = mind
            table.entries[key] = entry
            Self.index(registered.session.id, at: key, in: &table)
        }
    }

    /// The hostmask of the registered client using `nick`.
    func hostmask(ofNick nick: some StringProtocol) -> String? {
        let key = Self.fold(nick)
        return table.withLock { $0.entries[key]?.mind }?.registered?.hostmask
    }

    /// The hostmask of the IRC client owning `session`, nil for another protocol's session.
    func hostmask(ofSession session: SessionID) -> String? {
        entry(ofSession: session)?.hostmask
    }

    /// The nick entry of the IRC client owning `session`.
    func entry(ofSession session: SessionID) -> IRCNickEntry? {
        let entry = table.withLock { table -> IRCNickEntry? in
            if !table.moved.isEmpty, let key = table.moved[session] { return table.entries[key] }
            if let found = table.entries[Self.sessionKey(of: session)], found.session?.id == session { return found }
            return table.entries[Self.fold(session.resource)]
        }
        guard let entry, entry.session?.id == session else { return nil }
        return entry
    }

    /// Frees `nick` if `connection` holds it.
    func release(_ nick: String, for connection: IRCConnection) {
        let key = Self.fold(nick)
        table.withLock { table in
            guard let entry = table.entries[key], entry.connection === connection else { return }
            table.entries[key] = nil
            if !table.moved.isEmpty, let session = entry.session, table.moved[session.id] == key {
                table.moved[session.id] = nil
                if table.moved.isEmpty { table.moved = [:] }
            }
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
    var registered: [IRCNickEntry] {
        table.withLock { $0.entries.values.filter { $0.mind != nil } }
    }
}
