/// The privileges users of IRC-style rooms know, in model terms, so that every adapter
/// that shows or grants them (the IRC server's +q/+o/+v, a gateway's commands, an IRC view
/// of a MUC room) follows one set of rules:
/// - owner: the owner affiliation, unless implicit (`Occupant.isOperatorFounder`);
/// - operator: the admin affiliation with the moderator role it brings (an occupant that is
///   a moderator by role only, as XMPP moderators can be, counts as one too), and the
///   creator of an IRC-style room;
/// - voice: the participant role in a moderated room, membership otherwise (XEP-0045 §8.3:
///   in a moderated room voice is a role; elsewhere everyone speaks and voice is lasting).
public enum RoomPrivilege: Sendable, Hashable, CaseIterable {
    case owner, `operator`, voice
}

/// What granting or revoking a privilege means in the model: a role or an affiliation to
/// set (XEP-0045 §8 roles, §9 affiliations).
public enum MemberChange: Sendable, Equatable {
    case role(Role)
    case affiliation(Affiliation)
    /// Voice for an operator or owner, beside its rank (`Occupant.keepsVoice`).
    case voice(Bool)
}

extension Occupant {
    /// Whether the occupant holds `privilege` in a room that is `moderated` or not.
    public func has(_ privilege: RoomPrivilege, moderated: Bool) -> Bool {
        switch privilege {
        case .owner: affiliation == .owner && !isOperatorFounder
        case .operator: role == .moderator || affiliation == .admin || isOperatorFounder
        case .voice: keepsVoice || (moderated ? role == .participant : affiliation == .member)
        }
    }

    /// What granting (`adding`) or revoking `privilege` changes:
    /// - owner: affiliation owner; revoked, none.
    /// - operator: affiliation admin (or, for an owner or admin whose role was lowered, the
    ///   moderator role back); revoked, affiliation none for an admin, or the participant
    ///   role (visitor in a moderated room) for a moderator by role only.
    /// - voice: role participant when moderated, else affiliation member; revoked, visitor
    ///   when moderated, else affiliation none.
    ///
    /// Nil when nothing would change: granting never lowers (voice to an operator, operator
    /// to an owner), revoking only takes away what the privilege stands for (operator from
    /// an owner). Who may make the change is the room's rule (XEP-0045 §9, §10: only owners
    /// grant and revoke admin).
    public func change(granting adding: Bool, _ privilege: RoomPrivilege, moderated: Bool) -> MemberChange? {
        switch (privilege, adding) {
        case (.owner, true): return affiliation < .owner || isOperatorFounder ? .affiliation(.owner) : nil
        case (.owner, false): return has(.owner, moderated: moderated) ? .affiliation(.none) : nil
        case (.operator, true):
            if affiliation < .admin { return .affiliation(.admin) }
            return role < .moderator ? .role(.moderator) : nil
        case (.operator, false):
            // A kept voice stays: membership (or the participant role) instead of nothing.
            if affiliation == .admin || isOperatorFounder { return .affiliation(keepsVoice && !moderated ? .member : .none) }
            guard role == .moderator, affiliation < .admin else { return nil }
            // Outside +m a kept voice is membership.
            if keepsVoice && !moderated && affiliation < .member { return .affiliation(.member) }
            return .role(moderated && affiliation == .none && !keepsVoice ? .visitor : .participant)
        case (.voice, true):
            // An operator's voice sits beside its rank.
            if has(.operator, moderated: moderated) || affiliation == .owner { return keepsVoice ? nil : .voice(true) }
            if moderated { return role < .participant ? .role(.participant) : nil }
            return affiliation < .member ? .affiliation(.member) : nil
        case (.voice, false):
            if keepsVoice { return .voice(false) }
            if moderated { return role == .participant ? .role(.visitor) : nil }
            return affiliation == .member ? .affiliation(.none) : nil
        }
    }

    /// Whether the occupant holds `privilege` or a higher one (owner above operator above
    /// voice), as IRC's STATUSMSG audiences count.
    public func has(atLeast privilege: RoomPrivilege, moderated: Bool) -> Bool {
        let ranks: [RoomPrivilege] = [.voice, .operator, .owner]
        let needed = ranks.firstIndex(of: privilege) ?? 0
        return ranks[needed...].contains { has($0, moderated: moderated) }
    }

    /// Whether the occupant may manage the room's modes and bans as an IRC channel operator
    /// may: the moderator role or an admin or owner affiliation.
    public var mayModerate: Bool { role == .moderator || affiliation >= .admin }
}
