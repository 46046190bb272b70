import Foundation

/// What owners and admins read and end (XEP-0045 §8.5, §9.5, §9.8, §10.5, §10.8 lists;
/// §10.9 destruction), with the permissions of XEP-0045 §5.2, so that every adapter asks
/// the same questions of the same rules.
extension RoomState {
    /// One entry of an affiliation list: the user, and its nick when it is in the room.
    public struct AffiliationEntry: Sendable, Equatable {
        public var user: UserID
        public var affiliation: Affiliation
        public var nick: Nickname?
    }

    /// Everyone with `affiliation`, for the session's user: outcast and member lists to
    /// admins and owners (§9.1.2, §9.5), admin and owner lists to owners (§10.5, §10.8).
    /// The requester need not be in the room.
    public func list(_ affiliation: Affiliation, for session: SessionID) throws(RoomError) -> [AffiliationEntry] {
        let requester = self.affiliation(of: session.user)
        let needed: Affiliation = affiliation >= .admin ? .owner : .admin
        guard affiliation != .none, requester >= needed else { throw .notAllowed }
        let nicks = Dictionary(occupants.values.map { ($0.user, $0.nick) }, uniquingKeysWith: { first, _ in first })
        return affiliations.filter { $0.value == affiliation }.keys.sorted { $0.description < $1.description }
            .map { AffiliationEntry(user: $0, affiliation: affiliation, nick: nicks[$0]) }
    }

    /// The occupants with `role`: the voice list (participants) to moderators (§8.5), the
    /// moderator list to admins and owners (§9.8).
    public func list(_ role: Role, for session: SessionID) throws(RoomError) -> [Occupant] {
        let requester = self.affiliation(of: session.user)
        switch role {
        case .participant:
            guard occupant(of: session)?.role == .moderator || requester >= .admin else { throw .notAllowed }
        case .moderator:
            guard requester >= .admin else { throw .notAllowed }
        case .none, .visitor:
            throw .invalid("only the participant and moderator lists exist")
        }
        return occupants.values.filter { $0.role == role }.sorted { $0.nick.key < $1.nick.key }
    }

    /// A visitor asks for voice (§7.13): every moderator's sessions are told, at most once
    /// a minute per occupant. Refused for anyone who may already speak.
    public mutating func requestVoice(from session: SessionID, now: Date) throws(RoomError) -> [Effect] {
        guard let requester = occupant(of: session) else { throw .notInRoom }
        guard requester.role == .visitor else { throw .invalid("you may speak already") }
        if let last = voiceRequests[requester.user], now.timeIntervalSince(last) < Self.voiceRequestInterval { throw .tooFast }
        voiceRequests[requester.user] = now
        return occupants.values.filter { $0.role == .moderator }.sorted { $0.nick.key < $1.nick.key }
            .flatMap { moderator in moderator.sessions.map { Effect.to($0, .voiceRequested(requester)) } }
    }

    /// Seconds between two voice requests of one occupant.
    public static let voiceRequestInterval: TimeInterval = 60

    /// Destroys the room (§10.9), owners only: every occupant is told, in its own sessions,
    /// that it left because the room is gone (with the reason and the alternate venue);
    /// the room is then empty, and its owner retires it even when persistent.
    public mutating func destroy(by session: SessionID, reason: String?, alternate: String?) throws(RoomError) -> [Effect] {
        guard affiliation(of: session.user) == .owner else { throw .notAllowed }
        let why = LeaveReason.destroyed(reason: reason, alternate: alternate)
        let everyone = occupants.values.sorted { $0.nick.key < $1.nick.key }
        for occupant in everyone { removeOccupant(occupant.nick) }
        return everyone.flatMap { occupant in occupant.sessions.map { Effect.to($0, .occupantLeft(occupant, why)) } }
    }
}
