import Foundation
import ParleyCore
import ParleyIRC
import Synchronization

/// The ban masks of every channel (MODE +b, RFC 2811 §4.3.1), server-wide. The model knows
/// bans only as the outcast affiliation of a user; IRC bans are masks over `nick!user@host`,
/// so the server keeps the masks here, checks them on JOIN (474) and outcasts the current
/// occupants that match when a mask is added.
final class IRCChannelBans: Sendable {
    /// One ban: the mask as normalized, who set it and when (RPL_BANLIST 367 shows them).
    struct Entry: Sendable, Equatable {
        var mask: String
        var setBy: String
        var at: Date
        /// Users made outcasts because they matched this mask, given back their place by -b.
        var outcasts: [UserID] = []
    }

    /// The most masks one channel keeps (ERR_BANLISTFULL 478 beyond).
    static let maximumPerChannel = 100

    private let lists = Mutex<[RoomID: [Entry]]>([:])

    init() {}

    /// The usual completion of a partial mask: `nick` → `nick!*@*`, `user@host` → `*!user@host`,
    /// `nick!user` → `nick!user@*`.
    static func normalize(_ mask: String) -> String {
        let hasBang = mask.contains("!")
        let hasAt = mask.contains("@")
        switch (hasBang, hasAt) {
        case (true, true): return mask
        case (false, true): return "*!" + mask
        case (true, false): return mask + "@*"
        case (false, false): return mask + "!*@*"
        }
    }

    enum AddResult: Equatable { case added(String), alreadyListed, full }

    /// Adds a mask to a channel's list.
    func add(_ mask: String, in room: RoomID, by setter: String, at date: Date) -> AddResult {
        let normalized = Self.normalize(mask)
        return lists.withLock { lists in
            var list = lists[room, default: []]
            if list.contains(where: { IRCCaseMapping.ascii.equals($0.mask, normalized) }) { return .alreadyListed }
            guard list.count < Self.maximumPerChannel else { return .full }
            list.append(Entry(mask: normalized, setBy: setter, at: date))
            lists[room] = list
            return .added(normalized)
        }
    }

    /// Records that `user` was made an outcast because it matched `mask`.
    func recordOutcast(_ user: UserID, mask: String, in room: RoomID) {
        lists.withLock { lists in
            guard let index = lists[room]?.firstIndex(where: { $0.mask == mask }) else { return }
            if !lists[room]![index].outcasts.contains(user) { lists[room]![index].outcasts.append(user) }
        }
    }

    /// Forgets a channel's list (the channel was destroyed: IRC bans do not outlive it).
    func clear(_ room: RoomID) {
        lists.withLock { $0[room] = nil }
    }

    /// Removes a mask; returns the removed entry, nil when it was not there.
    func remove(_ mask: String, in room: RoomID) -> Entry? {
        let normalized = Self.normalize(mask)
        return lists.withLock { lists in
            guard var list = lists[room],
                let index = list.firstIndex(where: { IRCCaseMapping.ascii.equals($0.mask, normalized) })
            else { return nil }
            let removed = list.remove(at: index)
            lists[room] = list.isEmpty ? nil : list
            return removed
        }
    }

    /// The channel's list in the order the masks were set.
    func list(_ room: RoomID) -> [Entry] {
        lists.withLock { $0[room] ?? [] }
    }

    /// Whether `hostmask` (`nick!user@host`) matches one of the channel's masks
    /// (CASEMAPPING=ascii, the mapping the server announces).
    func isBanned(_ hostmask: String, in room: RoomID) -> Bool {
        let list = lists.withLock { $0[room] }
        guard let list else { return false }
        return list.contains { IRCMask($0.mask).matches(hostmask, caseMapping: .ascii) }
    }

    /// Whether one mask matches `hostmask`.
    static func matches(_ mask: String, _ hostmask: String) -> Bool {
        IRCMask(normalize(mask)).matches(hostmask, caseMapping: .ascii)
    }
}
