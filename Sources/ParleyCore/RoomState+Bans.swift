import Foundation

/// Ban masks (IRC +b, RFC 2811 §4.3.1) as room operations, so that every adapter enforces
/// the same list: `join` refuses an address a mask matches, adding a mask makes the
/// matching occupants outcasts (XEP-0045 §9.1), lifting it gives them their place back.
extension RoomState {
    /// Adds `mask` (completed by `RoomBan.normalize`) from the occupant of `session`, a
    /// moderator or an admin. Occupants it matches, other than the setter's own user, become
    /// outcasts; when the setter may not outcast them (a moderator who is not an admin) they
    /// are kicked, and the mask keeps them out. Returns the new entry (nil when the mask was
    /// listed already) and the effects: the list change first, then the removals.
    public mutating func addBan(_ mask: String, by session: SessionID, reason: String? = "Banned", now: Date)
        throws(RoomError) -> (ban: RoomBan?, effects: [Effect])
    {
        let actor = try banManager(session)
        let normalized = RoomBan.normalize(mask)
        if bans.contains(where: { RoomBan.sameMask($0.mask, normalized) }) { return (nil, []) }
        guard bans.count < RoomBan.maximumPerRoom else { throw .banListFull }
        var ban = RoomBan(mask: normalized, setBy: RoomBan.subject(of: actor), at: now)
        bans.append(ban)
        // Told to every session in the room now, the occupants it removes included (IRC
        // shows them the MODE +b before their KICK).
        let listed = RoomEvent.banListChanged(ban, added: true, by: RoomActor(session: session, occupant: actor))
        var effects: [Effect] = sessions.map { .to($0, listed) }
        let targets = occupants.values.filter {
            $0.user != actor.user && ban.matches(RoomBan.subject(of: $0))
        }
        for target in targets.sorted(by: { $0.nick.key < $1.nick.key }) {
            // An earlier target of the same user (another nick) took this one out already.
            guard occupants[target.nick]?.user == target.user else { continue }
            do throws(RoomError) {
                effects += try setAffiliation(.outcast, of: target.user, by: session, reason: reason)
                ban.outcasts.append(target.user)
            } catch {
                if let kicked = try? setRole(.none, of: target.nick, by: session, reason: reason) { effects += kicked }
            }
        }
        if let index = bans.lastIndex(where: { $0.mask == normalized }) { bans[index] = ban }
        return (ban, effects)
    }

    /// Lifts `mask` (completed as in `addBan`), and the outcast affiliation it caused where
    /// the lifter may change it. Returns the removed entry (nil when it was not listed) and
    /// the effects.
    public mutating func removeBan(_ mask: String, by session: SessionID) throws(RoomError)
        -> (ban: RoomBan?, effects: [Effect])
    {
        let actor = try banManager(session)
        let normalized = RoomBan.normalize(mask)
        guard let index = bans.firstIndex(where: { RoomBan.sameMask($0.mask, normalized) }) else { return (nil, []) }
        let ban = bans.remove(at: index)
        var effects: [Effect] = [
            .everyone(.banListChanged(ban, added: false, by: RoomActor(session: session, occupant: actor)), except: nil)
        ]
        for user in ban.outcasts where affiliation(of: user) == .outcast {
            if let lifted = try? setAffiliation(.none, of: user, by: session, reason: nil) { effects += lifted }
        }
        return (ban, effects)
    }

    /// Whether a mask keeps `nick` of `user` (a guest when `guest`, with the username it
    /// gave) out.
    public func isBanned(nick: Nickname, user: UserID, guest: Bool = false, guestUsername: String? = nil) -> Bool {
        guard !bans.isEmpty else { return false }
        let subject = RoomBan.subject(nick: nick, user: user, guest: guest, guestUsername: guestUsername)
        return bans.contains { $0.matches(subject) }
    }

    /// The occupant of `session` when it may manage bans: a moderator or an admin (IRC
    /// channel operators).
    private func banManager(_ session: SessionID) throws(RoomError) -> Occupant {
        guard let actor = occupant(of: session) else { throw .notInRoom }
        guard actor.mayModerate else { throw .notAllowed }
        return actor
    }
}
