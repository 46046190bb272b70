import Foundation
import ParleyIRC
import Synchronization

/// The nicks recently given up (a QUIT, a lost connection, a NICK change), newest first,
/// for WHOWAS (RFC 2812 §3.6.3): bounded to `capacity` entries over all nicks, the oldest
/// forgotten first.
final class IRCNickHistory: Sendable {
    struct Entry: Sendable, Equatable {
        var nick: String
        var user: String
        var host: String
        var realname: String
        var account: String?
        var at: Date
    }

    let capacity: Int
    private let entries = Mutex<[Entry]>([])

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// Remembers that `entry.nick` was given up now.
    func record(_ entry: Entry) {
        entries.withLock { entries in
            entries.append(entry)
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    /// The entries for `nick` (any case), newest first, at most `limit` (nil or 0: all).
    func lookup(_ nick: String, limit: Int?) -> [Entry] {
        let key = IRCNickTable.fold(nick)
        let found = entries.withLock { entries in
            entries.reversed().filter { IRCNickTable.fold($0.nick) == key }
        }
        guard let limit, limit > 0 else { return found }
        return Array(found.prefix(limit))
    }
}
