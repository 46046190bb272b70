import ParleyCore
import Synchronization

/// The sessions that may be resumed (XEP-0198 §5), by their resumption id: each entry is
/// the connection that serves the session now, live or waiting for its client.
final class C2SResumptions: Sendable {
    private let entries = Mutex<[String: Entry]>([:])

    struct Entry {
        let connection: C2SConnection
        let user: UserID
    }

    func register(_ id: String, connection: C2SConnection, user: UserID) {
        entries.withLock { $0[id] = Entry(connection: connection, user: user) }
    }

    /// Removes `id` if it still belongs to `connection`.
    func remove(_ id: String, ifHeldBy connection: C2SConnection) {
        entries.withLock { entries in
            if entries[id]?.connection === connection { entries[id] = nil }
        }
    }

    /// Takes the connection holding `id` when its session is `user`'s: a resumption id
    /// never moves a session to another account (§9 security: the id alone is not enough).
    func take(_ id: String, for user: UserID) -> C2SConnection? {
        entries.withLock { entries in
            guard let entry = entries[id], entry.user == user else { return nil }
            entries[id] = nil
            return entry.connection
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
