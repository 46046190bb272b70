import ParleyCore

extension IRCChannelModes {
    /// What a prefix-mode change means in the model: a role or an affiliation to set.
    public enum MemberChange: Sendable, Equatable { case role(Role), affiliation(Affiliation) }

    /// IRC op is the admin affiliation with its moderator role (issue 5: "op ↔
    /// moderator/admin"), so an op may also change channel modes and bans, as IRC expects:
    /// - +q → affiliation owner; -q → none.
    /// - +o → affiliation admin (or, for an owner or admin whose role was lowered, the
    ///   moderator role back); -o → affiliation none for an admin, or the participant role
    ///   (visitor in a moderated room) for a moderator by role only.
    /// - +v → role participant when moderated, else affiliation member; -v → visitor when
    ///   moderated, else affiliation none.
    ///
    /// Nil when the letter is not a prefix mode or when the change would not apply: adding
    /// never lowers (`+v` on an op, `+o` on an owner), removing only takes away what the
    /// letter stands for (`-o` on an owner, `-q` on an admin). Who may make the change is
    /// the model's rule (XEP-0045 §9, §10: only owners grant and revoke admin, so only the
    /// channel owner gives +o).
    public static func memberChange(mode: Character, adding: Bool, occupant: Occupant, moderated: Bool) -> MemberChange? {
        let affiliation = occupant.affiliation
        let role = occupant.role
        switch (mode, adding) {
        case ("q", true): return affiliation < .owner ? .affiliation(.owner) : nil
        case ("q", false): return affiliation == .owner ? .affiliation(.none) : nil
        case ("o", true):
            if affiliation < .admin { return .affiliation(.admin) }
            return role < .moderator ? .role(.moderator) : nil
        case ("o", false):
            if affiliation == .admin { return .affiliation(.none) }
            guard role == .moderator, affiliation < .admin else { return nil }
            return .role(moderated && affiliation == .none ? .visitor : .participant)
        case ("v", true):
            if moderated { return role < .participant ? .role(.participant) : nil }
            return affiliation < .member ? .affiliation(.member) : nil
        case ("v", false):
            if moderated { return role == .participant ? .role(.visitor) : nil }
            return affiliation == .member ? .affiliation(.none) : nil
        default: return nil
        }
    }
}
