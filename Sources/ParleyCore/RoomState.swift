import DequeModule
import Foundation

/// The state of one room and its rules, as a value type: every operation checks
/// permissions (XEP-0045 §5 tables), changes the state and returns the effects, which the
/// `Room` actor delivers. No I/O, no concurrency: tested directly.
public struct RoomState: Sendable {
    /// Who receives an event.
    public enum Effect: Sendable, Equatable {
        /// One session.
        case to(SessionID, RoomEvent)
        /// Every session of every occupant, except the given one.
        case everyone(RoomEvent, except: SessionID?)
    }

    public let id: RoomID
    public private(set) var configuration: RoomConfiguration
    public private(set) var topic: Topic?
    public private(set) var occupants: [Nickname: Occupant] = [:]
    public private(set) var affiliations: [UserID: Affiliation] = [:]
    public private(set) var invited: Set<UserID> = []
    /// The invited whom a moderator, admin or owner invited: their invitation also lets them
    /// past ban masks, the key and the room's own limit (`join`).
    public private(set) var invitedPastRestrictions: Set<UserID> = []
    public private(set) var history: Deque<Message> = []
    /// The most occupants the service allows in any room (`ChatServiceConfiguration
    /// .maxOccupantsPerRoom`), whatever the room's own limit; nil for none.
    public let occupantCap: Int?
    /// The ban masks, in the order they were set (`RoomState+Bans.swift`).
    public internal(set) var bans: [RoomBan] = []
    /// A new room that waits for its owner's configuration (XEP-0045 §10.1.1): nobody but
    /// an owner enters until `configure(…, asOwner: true)`.
    public private(set) var isLocked: Bool
    private var nickBySession: [SessionID: Nickname] = [:]
    /// The creator of a room founded `RoomFounding.operator`, while its ownership stays
    /// implicit (`Occupant.isOperatorFounder`).
    public private(set) var operatorFounder: UserID?
    /// When each user last asked for voice (`requestVoice`).
    var voiceRequests: [UserID: Date] = [:]

    /// A new room; `owner`, when given, becomes its owner (the creator, XEP-0045 §10.1.1),
    /// shown as an operator when `founding` says so; `maxOccupants` is the service's cap on
    /// occupants (`occupantCap`); a `locked` room waits for its owner's configuration.
    public init(
        id: RoomID, configuration: RoomConfiguration = RoomConfiguration(), owner: UserID? = nil,
        founding: RoomFounding = .owner, maxOccupants: Int? = nil, locked: Bool = false
    ) {
        self.id = id
        self.isLocked = locked
        self.occupantCap = maxOccupants
        var configuration = configuration
        configuration.historyLength = min(max(0, configuration.historyLength), RoomConfiguration.maximumHistory)
        self.configuration = configuration
        if let owner {
            affiliations[owner] = .owner
            if founding == .operator { operatorFounder = owner }
        }
    }

    /// A persistent room as it was stored (`RoomStore`), empty and unlocked.
    /// `history` is the newest archived messages (oldest first), for history on entry.
    public init(restoring record: PersistentRoom, maxOccupants: Int? = nil, history: [Message] = []) {
        self.init(id: record.id, configuration: record.configuration, maxOccupants: maxOccupants)
        affiliations = record.affiliations.filter { $0.value != .none }
        topic = record.topic
        bans = Array(record.bans.prefix(RoomBan.maximumPerRoom))
        self.history = Deque(history.suffix(configuration.historyLength))
    }

    /// What a `RoomStore` keeps of this room.
    public var record: PersistentRoom {
        PersistentRoom(id: id, configuration: configuration, affiliations: affiliations, topic: topic, bans: bans)
    }

    /// True when nobody is in the room.
    public var isEmpty: Bool { occupants.isEmpty }

    /// The occupant a session belongs to.
    public func occupant(of session: SessionID) -> Occupant? {
        nickBySession[session].flatMap { occupants[$0] }
    }

    /// Every session in the room.
    public var sessions: Dictionary<SessionID, Nickname>.Keys { nickBySession.keys }

    /// The affiliation of `user` (none when unlisted).
    public func affiliation(of user: UserID) -> Affiliation { affiliations[user] ?? .none }

    // MARK: Entering and leaving (XEP-0045 §7.2, §7.14)

    /// Enters `session` under `nick`, or adds the session to the user's existing occupant;
    /// `guest` for a guest's session (`Occupant.isGuest`), with the username it gave.
    public mutating func join(
        session: SessionID, nick: Nickname, password: String?, presence: Presence, guest: Bool = false,
        guestUsername: String? = nil, now: Date,
        created: Bool = false
    ) throws(RoomError) -> [Effect] {
        let user = session.user
        if let current = nickBySession[session] {
            // Already in: a presence update, or a nick change when the nick differs (§7.6).
            if current == nick { return updatePresence(session: session, presence: presence) }
            return try changeNick(session: session, to: nick)
        }
        let affiliation = affiliation(of: user)
        // An invitation lets its user past members-only; one from a moderator, admin or
        // owner also past ban masks, the key and the room's own limit, as IRC operators'
        // invites do (InspIRCd's invitebypassmodes); never past an outcast affiliation.
        let wasInvited = invited.contains(user)
        let mayBypass = invitedPastRestrictions.contains(user)
        // §10.1.1: until the owner configures a new room, it does not exist for others.
        if isLocked && affiliation < .owner { throw .locked }
        if affiliation == .outcast || (!mayBypass && isBanned(nick: nick, user: user, guest: guest, guestUsername: guestUsername)) {
            throw .banned
        }
        if configuration.membersOnly && affiliation < .member && !wasInvited {
            throw .membersOnly
        }
        // XEP-0045 §7.2.6 names no exception; the owner alone enters without it, so the room's
        // founder is never locked out (an IRC op, who is an admin, needs the key like anyone).
        if let required = configuration.password, affiliation < .owner, !mayBypass, password != required {
            throw .badPassword
        }
        if let existing = occupants[nick], existing.user != user { throw .nicknameInUse }
        if occupants[nick] == nil {
            // The service's cap holds for everyone; the room's own limit (IRC +l) lets
            // admins, owners and the invited past.
            if let cap = occupantCap, occupants.count >= cap { throw .full }
            if let limit = configuration.maxOccupants, occupants.count >= limit, affiliation < .admin, !mayBypass {
                throw .full
            }
        }
        invited.remove(user)
        invitedPastRestrictions.remove(user)
        nickBySession[session] = nick
        if var existing = occupants[nick] {
            // A second session of the same user under the same nick (§7.2.9 multi-session).
            existing.sessions.append(session)
            occupants[nick] = existing
            return [.to(session, .entered(snapshot(for: existing, created: false)))]
        }
        let occupant = Occupant(
            nick: nick, user: user, sessions: [session],
            role: affiliation.defaultRole(moderated: configuration.moderated), affiliation: affiliation,
            presence: presence, isGuest: guest, isOperatorFounder: user == operatorFounder,
            guestUsername: guest ? guestUsername : nil)
        occupants[nick] = occupant
        return [
            .everyone(.occupantJoined(RoomActor(session: session, occupant: occupant)), except: session),
            .to(session, .entered(snapshot(for: occupant, created: created))),
        ]
    }

    /// Removes `session`; the occupant leaves when it was its last session.
    public mutating func leave(session: SessionID, reason: LeaveReason) -> [Effect] {
        guard let nick = nickBySession.removeValue(forKey: session), var occupant = occupants[nick] else {
            return []
        }
        occupant.sessions.removeAll { $0 == session }
        if !occupant.sessions.isEmpty {
            occupants[nick] = occupant
            var gone = occupant
            gone.sessions = [session]
            return [.to(session, .occupantLeft(gone, reason))]
        }
        occupants[nick] = nil
        occupant.sessions = [session]
        return [.everyone(.occupantLeft(occupant, reason), except: session), .to(session, .occupantLeft(occupant, reason))]
    }

    /// Changes the nickname of the occupant `session` belongs to (§7.6; IRC NICK).
    public mutating func changeNick(session: SessionID, to nick: Nickname) throws(RoomError) -> [Effect] {
        guard let current = nickBySession[session], let old = occupants[current] else { throw .notInRoom }
        if let holder = occupants[nick], holder.user != old.user { throw .nicknameInUse }
        if nick.displayName == current.displayName { return [] }
        var new = old
        new.nick = nick
        occupants[current] = nil
        if var merged = occupants[nick], nick != current {
            merged.sessions.append(contentsOf: old.sessions)
            new = merged
        }
        occupants[nick] = new
        for moved in old.sessions { nickBySession[moved] = nick }
        // The occupant changed itself, from this session.
        return [.everyone(.occupantChanged(old: old, new: new, by: RoomActor(session: session, occupant: new)), except: nil)]
    }

    /// Records a new presence for the occupant (away, status text).
    public mutating func updatePresence(session: SessionID, presence: Presence) -> [Effect] {
        guard let nick = nickBySession[session], let old = occupants[nick], old.presence != presence else {
            return []
        }
        var new = old
        new.presence = presence
        occupants[nick] = new
        return [.everyone(.occupantChanged(old: old, new: new, by: RoomActor(session: session, occupant: new)), except: nil)]
    }

    // MARK: Talking (XEP-0045 §7.4, §7.5)

    /// Sends `message` to every occupant, or with an `audience` only to the occupants who
    /// hold that privilege and to the sender (IRC STATUSMSG `@#chan`: neither kept in the
    /// history nor archived). `session` is the sender when it is in the room; a sender
    /// outside the room is refused unless the room allows external messages.
    public mutating func post(_ message: Message, from session: SessionID, now: Date, audience: RoomPrivilege? = nil)
        throws(RoomError) -> [Effect]
    {
        if let subject = message.subject, message.body == nil {
            // XEP-0045 §8.1: a subject-only message changes the topic, under the topic rules.
            return try setTopic(subject, from: session, now: now)
        }
        var message = message
        var actor: RoomActor?
        if let sender = occupant(of: session) {
            if configuration.moderated && sender.role < .participant { throw .cannotSpeak }
            message.from = .occupant(id, sender.nick)
            actor = RoomActor(session: session, occupant: sender)
        } else {
            guard configuration.allowsExternalMessages else { throw .notInRoom }
            if affiliation(of: session.user) == .outcast { throw .banned }
            message.from = .session(session)
        }
        message.kind = .room
        message.to = .room(id)
        // XEP-0359 §3: the room, not the sender, names the message; the sender's own id
        // stays as the origin id.
        message.originID = message.id ?? message.originID
        message.id = MessageID.mint()
        if message.timestamp == nil { message.timestamp = now }
        if let audience {
            let event = RoomEvent.message(message, from: actor)
            let moderated = configuration.moderated
            return occupants.values.sorted { $0.nick.key < $1.nick.key }
                .filter { $0.has(atLeast: audience, moderated: moderated) || $0.sessions.contains(session) }
                .flatMap { $0.sessions.map { Effect.to($0, event) } }
        }
        if message.body != nil, configuration.historyLength > 0 {
            history.append(message)
            while history.count > configuration.historyLength { history.removeFirst() }
        }
        return [.everyone(.message(message, from: actor), except: nil)]
    }

    /// Sends a private message from the occupant of `session` to the occupant `nick` (§7.5).
    public func privateMessage(_ message: Message, from session: SessionID, to nick: Nickname) throws(RoomError)
        -> [Effect]
    {
        guard let sender = occupant(of: session) else { throw .notInRoom }
        guard let target = occupants[nick] else { throw .noSuchOccupant }
        var message = message
        message.from = .occupant(id, sender.nick)
        message.to = .occupant(id, target.nick)
        let actor = RoomActor(session: session, occupant: sender)
        return target.sessions.map { .to($0, .privateMessage(from: actor, message)) }
    }

    /// Changes the subject (§8.1; IRC TOPIC, refused under +t for non-moderators).
    public mutating func setTopic(_ text: String, from session: SessionID, now: Date) throws(RoomError) -> [Effect] {
        guard let setter = occupant(of: session) else { throw .notInRoom }
        guard text.utf8.count <= Topic.maximumBytes else {
            throw .invalid("the subject is longer than \(Topic.maximumBytes) bytes")
        }
        // XEP-0045 §5.1: visitors never change the subject; participants only when allowed.
        if setter.role < .participant || (configuration.topicRestricted && setter.role < .moderator) {
            throw .notAllowed
        }
        let topic = Topic(text: text, setBy: setter.nick, at: now)
        self.topic = topic
        return [.everyone(.topicChanged(topic, by: RoomActor(session: session, occupant: setter)), except: nil)]
    }

    // MARK: Moderation (XEP-0045 §8, §9)

    /// Changes the role of occupant `nick`; `.none` kicks it (§8.2; IRC KICK, +v, +o).
    public mutating func setRole(_ role: Role, of nick: Nickname, by session: SessionID, reason: String?) throws(RoomError)
        -> [Effect]
    {
        guard let actor = occupant(of: session) else { throw .notInRoom }
        guard var target = occupants[nick] else { throw .noSuchOccupant }
        guard actor.role == .moderator else { throw .notAllowed }
        let by = RoomActor(session: session, occupant: actor)
        // §8.2/§8.4: a moderator cannot act on someone of higher affiliation, and only an
        // admin or owner may grant or revoke the moderator role.
        if target.affiliation > actor.affiliation && target.user != actor.user { throw .notAllowed }
        if (role == .moderator || target.role == .moderator) && actor.affiliation < .admin && target.user != actor.user {
            throw .notAllowed
        }
        if role == .none {
            removeOccupant(nick)
            let event = RoomEvent.occupantLeft(target, .kicked(by: by, reason: reason))
            return [.everyone(event, except: nil)] + target.sessions.map { .to($0, event) }
        }
        let old = target
        target.role = role
        // Voice held before becoming a moderator is kept beside it; an admin or owner keeps
        // its own whatever its role.
        target.keepsVoice =
            (role == .moderator || target.affiliation >= .admin)
            && (old.keepsVoice || old.has(.voice, moderated: configuration.moderated))
        occupants[nick] = target
        return [.everyone(.occupantChanged(old: old, new: target, by: by), except: nil)]
    }

    /// Gives or takes the voice of an operator or owner, beside its rank (IRC `+v` on an
    /// `@`): moderators only (§8.3 voice is theirs to grant).
    public mutating func setVoice(_ voiced: Bool, of nick: Nickname, by session: SessionID) throws(RoomError)
        -> [Effect]
    {
        guard let actor = occupant(of: session) else { throw .notInRoom }
        guard var target = occupants[nick] else { throw .noSuchOccupant }
        guard actor.role == .moderator || actor.affiliation >= .admin else { throw .notAllowed }
        if target.affiliation > actor.affiliation && target.user != actor.user { throw .notAllowed }
        guard target.keepsVoice != voiced else { return [] }
        let old = target
        target.keepsVoice = voiced
        occupants[nick] = target
        return [.everyone(.occupantChanged(old: old, new: target, by: RoomActor(session: session, occupant: actor)), except: nil)]
    }

    /// Changes the affiliation of `user`; `.outcast` bans and removes it (§9.1; IRC +b).
    public mutating func setAffiliation(_ affiliation: Affiliation, of user: UserID, by session: SessionID, reason: String?)
        throws(RoomError) -> [Effect]
    {
        guard let actor = occupant(of: session) else { throw .notInRoom }
        let current = self.affiliation(of: user)
        // §9, §10: admins manage members and outcasts; only owners manage admins and owners.
        guard actor.affiliation >= .admin else { throw .notAllowed }
        let by = RoomActor(session: session, occupant: actor)
        if actor.affiliation < .owner && (current >= .admin || affiliation >= .admin) { throw .notAllowed }
        affiliations[user] = affiliation == .none ? nil : affiliation
        // Any explicit affiliation ends an operator founder's implicit ownership.
        if operatorFounder == user { operatorFounder = nil }
        var effects: [Effect] = []
        for (nick, occupant) in occupants where occupant.user == user {
            if affiliation == .outcast || (configuration.membersOnly && affiliation < .member) {
                removeOccupant(nick)
                let why: LeaveReason =
                    affiliation == .outcast ? .banned(by: by, reason: reason) : .membershipRevoked
                effects.append(.everyone(.occupantLeft(occupant, why), except: nil))
                effects.append(contentsOf: occupant.sessions.map { .to($0, .occupantLeft(occupant, why)) })
            } else {
                var changed = occupant
                changed.affiliation = affiliation
                changed.isOperatorFounder = false
                // Voice held before becoming an admin or owner is kept beside it; below admin,
                // membership or the participant role carries it again.
                changed.keepsVoice =
                    affiliation >= .admin && (occupant.keepsVoice || occupant.has(.voice, moderated: configuration.moderated))
                changed.role = max(occupant.role == .moderator && affiliation < .admin ? .participant : occupant.role,
                                   affiliation.defaultRole(moderated: configuration.moderated))
                occupants[nick] = changed
                effects.append(.everyone(.occupantChanged(old: occupant, new: changed, by: by), except: nil))
            }
        }
        return effects
    }

    /// Replaces the configuration (§10.2; IRC channel modes). Admins and owners in the
    /// room; `asOwner` for the owner's configuration form (§10.1.2, §10.2), which only an
    /// owner may submit, in the room or not, and which unlocks a new room.
    ///
    /// With `revokingVoice` (IRC +m, where only voiced members speak), a room that becomes
    /// moderated takes the voice of every participant without membership (participant →
    /// visitor, §8.4), before the change is announced, and a room that stops being
    /// moderated gives every visitor without membership its voice back (§8.3) after it.
    /// Without it, roles stay as they are (XEP-0045: only newcomers enter as visitors).
    public mutating func configure(
        _ configuration: RoomConfiguration, by session: SessionID, revokingVoice: Bool = false, asOwner: Bool = false
    ) throws(RoomError) -> [Effect] {
        let actor = occupant(of: session)
        if asOwner {
            guard affiliation(of: session.user) == .owner else { throw .notAllowed }
        } else {
            guard let actor else { throw .notInRoom }
            guard actor.affiliation >= .admin else { throw .notAllowed }
        }
        guard configuration.historyLength >= 0, configuration.historyLength <= RoomConfiguration.maximumHistory,
            (configuration.maxOccupants ?? 1) > 0
        else { throw .invalid("history length or occupant limit out of range") }
        let by = actor.map { RoomActor(session: session, occupant: $0) }
        let wasModerated = self.configuration.moderated
        var effects: [Effect] = []
        if revokingVoice && configuration.moderated && !wasModerated {
            effects += setUnaffiliatedRoles(from: .participant, to: .visitor, by: by)
        }
        self.configuration = configuration
        isLocked = false
        while history.count > configuration.historyLength { history.removeFirst() }
        effects.append(.everyone(.configurationChanged(configuration, by: by), except: nil))
        if revokingVoice && !configuration.moderated && wasModerated {
            effects += setUnaffiliatedRoles(from: .visitor, to: .participant, by: by)
        }
        return effects
    }

    /// Moves every occupant without membership from one role to another.
    private mutating func setUnaffiliatedRoles(from old: Role, to new: Role, by: RoomActor?) -> [Effect] {
        var effects: [Effect] = []
        for (nick, occupant) in occupants.sorted(by: { $0.key.key < $1.key.key })
        where occupant.role == old && occupant.affiliation < .member {
            var changed = occupant
            changed.role = new
            occupants[nick] = changed
            effects.append(.everyone(.occupantChanged(old: occupant, new: changed, by: by), except: nil))
        }
        return effects
    }

    /// Lets `user` enter a members-only room once (§7.8; IRC INVITE), and past ban masks,
    /// the key and the limit when a moderator, admin or owner invites.
    public mutating func invite(_ user: UserID, by session: SessionID) throws(RoomError) {
        guard let actor = occupant(of: session) else { throw .notInRoom }
        if configuration.membersOnly && actor.role < .moderator { throw .notAllowed }
        if affiliation(of: user) == .outcast { throw .banned }
        invited.insert(user)
        if actor.mayModerate { invitedPastRestrictions.insert(user) }
    }

    /// Takes the occupant under `nick` out of the room, all its sessions with it.
    mutating func removeOccupant(_ nick: Nickname) {
        guard let occupant = occupants.removeValue(forKey: nick) else { return }
        for session in occupant.sessions { nickBySession[session] = nil }
    }

    private func snapshot(for occupant: Occupant, created: Bool) -> RoomSnapshot {
        RoomSnapshot(
            room: id, you: occupant, occupants: occupants.values.sorted { $0.nick.key < $1.nick.key },
            topic: topic, history: Array(history), configuration: configuration, created: created)
    }
}
