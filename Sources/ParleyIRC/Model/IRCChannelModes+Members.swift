import ParleyCore

extension IRCChannelModes {
    /// What a prefix-mode change means in the model (the core's `MemberChange`).
    public typealias MemberChange = ParleyCore.MemberChange

    /// The privilege a prefix mode stands for: +q owner, +o operator (the admin affiliation
    /// with its moderator role, so an op may also change channel modes and bans, as IRC
    /// expects), +v voice; nil for any other letter.
    public static func privilege(forMode mode: Character) -> RoomPrivilege? {
        switch mode {
        case "q": .owner
        case "o": .operator
        case "v": .voice
        default: nil
        }
    }

    /// The model change of `±mode` on `occupant`: the core's rules for the privilege the
    /// letter stands for (`Occupant.change(granting:_:moderated:)`). Nil when the letter is
    /// not a prefix mode or when the change would not apply.
    public static func memberChange(mode: Character, adding: Bool, occupant: Occupant, moderated: Bool) -> MemberChange? {
        privilege(forMode: mode).flatMap { occupant.change(granting: adding, $0, moderated: moderated) }
    }
}
