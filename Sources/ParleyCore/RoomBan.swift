import Foundation

/// One ban mask of a room (IRC MODE +b, RFC 2811 §4.3.1): a `GlobMask` over an occupant's
/// address as the model shows it (`nick!user@domain`, `RoomBan.subject`), who set it and
/// when (IRC RPL_BANLIST 367 shows them), and the users it made outcasts, who get their
/// place back when it is lifted.
public struct RoomBan: Sendable, Equatable {
    /// The mask, completed by `normalize`.
    public var mask: String
    /// The address of the occupant who set it (`RoomBan.subject` of the setter).
    public var setBy: String
    public var at: Date
    /// Users made outcasts because they matched this mask.
    public var outcasts: [UserID] = []

    /// The most masks one room keeps (IRC ERR_BANLISTFULL 478 beyond).
    public static let maximumPerRoom = 100

    public init(mask: String, setBy: String, at: Date, outcasts: [UserID] = []) {
        self.mask = mask
        self.setBy = setBy
        self.at = at
        self.outcasts = outcasts
    }

    /// The usual completion of a partial mask: `nick` → `nick!*@*`, `user@host` →
    /// `*!user@host`, `nick!user` → `nick!user@*`.
    public static func normalize(_ mask: String) -> String {
        switch (mask.contains("!"), mask.contains("@")) {
        case (true, true): mask
        case (false, true): "*!" + mask
        case (true, false): mask + "@*"
        case (false, false): mask + "!*@*"
        }
    }

    /// How a ban sees someone: `nick!localpart@domain`, with `*` for a service's empty
    /// localpart and, for a guest, `~` and the username it gave (`~guest` without one): the
    /// form IRC shows as the hostmask.
    public static func subject(nick: Nickname, user: UserID, guest: Bool, guestUsername: String? = nil) -> String {
        let localpart = guest ? "~" + (guestUsername ?? "guest") : user.localpart.isEmpty ? "*" : user.localpart
        return "\(nick.displayName)!\(localpart)@\(user.domain)"
    }

    /// How a ban sees an occupant.
    public static func subject(of occupant: Occupant) -> String {
        subject(nick: occupant.nick, user: occupant.user, guest: occupant.isGuest, guestUsername: occupant.guestUsername)
    }

    /// Whether this ban matches `subject` (ASCII case-insensitive, the CASEMAPPING=ascii
    /// the IRC server announces).
    public func matches(_ subject: String) -> Bool {
        GlobMask(mask).matches(subject)
    }

    /// Whether two masks are the same under ASCII case folding.
    static func sameMask(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { GlobMask.asciiFold($0) == GlobMask.asciiFold($1) }
    }
}
