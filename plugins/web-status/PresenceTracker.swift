import ParleyCore

/// The presence of each tracked user, session by session, as the component hears it
/// (RFC 6121 §4: one presence per available resource; unavailable removes it). The page
/// shows the derived presence: the session of highest priority, ties broken by
/// reachability (`Presence.derived`).
///
/// Bounded: at most `maximumSessions` sessions per user (presence from further sessions is
/// ignored until one goes away), status text cut to `maximumStatusLength` characters, and
/// extension payloads never kept. The caller tracks registered users only.
public struct PresenceTracker: Sendable {
    public let maximumSessions: Int
    public let maximumStatusLength: Int
    private var sessions: [UserID: [String: Presence]] = [:]

    public init(maximumSessions: Int = 32, maximumStatusLength: Int = 200) {
        self.maximumSessions = max(1, maximumSessions)
        self.maximumStatusLength = max(0, maximumStatusLength)
    }

    /// Records `presence` of `session`. Unavailable from a session removes it; unavailable
    /// from the bare address (a probe answer for a user with no session) removes them all.
    public mutating func update(_ session: SessionID, _ presence: Presence) {
        guard presence.availability.isOnline else {
            if session.resource.isEmpty {
                sessions[session.user] = nil
            } else {
                sessions[session.user]?[session.resource] = nil
                if sessions[session.user]?.isEmpty == true { sessions[session.user] = nil }
            }
            return
        }
        var known = sessions[session.user] ?? [:]
        guard known[session.resource] != nil || known.count < maximumSessions else { return }
        known[session.resource] = Presence(
            presence.availability, status: presence.status.map(cut), priority: presence.priority)
        sessions[session.user] = known
    }

    /// Forgets everything known about `user` (unregistered, or its subscription revoked).
    public mutating func forget(_ user: UserID) { sessions[user] = nil }

    /// Forgets everyone (the link came up again: presence will be probed afresh).
    public mutating func forgetAll() { sessions.removeAll() }

    /// The presence the page of `user` shows; unavailable when no session is known.
    public func presence(of user: UserID) -> Presence {
        Presence.derived(from: sessions[user].map { Array($0.values) } ?? [])
    }

    /// How many sessions of `user` are known.
    public func sessionCount(of user: UserID) -> Int { sessions[user]?.count ?? 0 }

    /// `status` cut to the limit, ending in `…` when something was cut (empty with a limit of 0).
    private func cut(_ status: String) -> String {
        guard status.count > maximumStatusLength else { return status }
        guard maximumStatusLength > 0 else { return "" }
        return String(status.prefix(maximumStatusLength - 1)) + "…"
    }
}
