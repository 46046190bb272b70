import Foundation
import Logging

/// A room at run time: the owner of one `RoomState` on its home executor, delivering the
/// effects of each operation to the sessions in the room. A session whose mind fails is
/// removed as if it had left (`LeaveReason.deliveryFailed`); everyone else still gets
/// the event.
public actor Room {
    public nonisolated let id: RoomID
    private nonisolated let home: any SerialExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { home.asUnownedSerialExecutor() }

    private var state: RoomState
    /// Each session in the room: its mind (nil once a delivery to it failed) and what to
    /// tell it when the room removes it on its own (kick, ban, failed delivery, shutdown),
    /// so the session's list of joined rooms stays true. One entry per session.
    private struct Member {
        var mind: (any SessionMind)?
        let onRemoved: @Sendable () -> Void
    }
    private var members: [SessionID: Member] = [:]
    private let limits: RoomLimits
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let onEmpty: @Sendable (Room) -> Void
    /// Set once the room emptied and left the directory; a join that raced with that is
    /// told to look the room up again.
    private var retired = false
    /// Where a persistent room's record goes, and the last record handed to it.
    private let persistence: RoomPersistence?
    private var saved: PersistentRoom?
    /// Where the room's messages are archived (XEP-0313), if anywhere.
    private let archive: (any RoomArchive)?

    init(
        state: RoomState, home: any SerialExecutor, limits: RoomLimits, clock: @escaping @Sendable () -> Date,
        logger: Logger, persistence: RoomPersistence? = nil, restored: Bool = false, archive: (any RoomArchive)? = nil,
        onEmpty: @escaping @Sendable (Room) -> Void
    ) {
        self.archive = archive
        self.id = state.id
        self.state = state
        self.persistence = persistence
        self.saved = restored ? state.record : nil
        self.home = home
        self.limits = limits
        self.clock = clock
        self.logger = logger
        self.onEmpty = onEmpty
    }

    /// The current state, for listings and tests.
    public var snapshot: RoomState { state }

    func join(
        session: SessionID, mind: any SessionMind, nick: Nickname, password: String?, presence: Presence,
        guest: Bool = false, guestUsername: String? = nil, created: Bool, onJoined: @Sendable () -> Void = {},
        onRemoved: @escaping @Sendable () -> Void = {}
    ) throws(RoomError) -> RoomSnapshot? {
        if retired { return nil }
        let effects = try state.join(
            session: session, nick: nick, password: password, presence: presence, guest: guest,
            guestUsername: guestUsername, now: clock(),
            created: created)
        members[session] = Member(mind: mind, onRemoved: onRemoved)
        // Before anyone hears of the join (the joiner's own presence included), so that a
        // question asked right after (a WHOIS once the joiner saw its NAMES) finds it.
        onJoined()
        run(effects)
        if created { persist() }
        guard let you = state.occupant(of: session) else { throw .notInRoom }
        return RoomSnapshot(
            room: id, you: you, occupants: state.occupants.values.sorted { $0.nick.key < $1.nick.key },
            topic: state.topic, history: Array(state.history), configuration: state.configuration,
            created: created)
    }

    func leave(session: SessionID, reason: LeaveReason) {
        run(state.leave(session: session, reason: reason))
        members[session] = nil
        checkEmpty()
    }

    func changeNick(session: SessionID, to nick: Nickname) throws(RoomError) {
        run(try state.changeNick(session: session, to: nick))
    }

    func updatePresence(session: SessionID, presence: Presence) {
        run(state.updatePresence(session: session, presence: presence))
    }

    func post(_ message: Message, from session: SessionID, audience: RoomPrivilege? = nil) throws(RoomError) {
        let effects = try state.post(message, from: session, now: clock(), audience: audience)
        run(effects)
        if message.subject != nil { persist() }
        if let archive, case .everyone(.message(let sent, let sender), _)? = effects.first {
            archive.append(ArchivedMessage(message: sent, sender: sender?.occupant.user ?? sent.from.user), in: id)
        }
    }

    func privateMessage(_ message: Message, from session: SessionID, to nick: Nickname) throws(RoomError) {
        run(try state.privateMessage(message, from: session, to: nick))
    }

    func setTopic(_ text: String, from session: SessionID) throws(RoomError) {
        run(try state.setTopic(text, from: session, now: clock()))
        persist()
    }

    func setRole(_ role: Role, of nick: Nickname, by session: SessionID, reason: String?) throws(RoomError) {
        run(try state.setRole(role, of: nick, by: session, reason: reason))
        pruneMinds()
    }

    func setVoice(_ voiced: Bool, of nick: Nickname, by session: SessionID) throws(RoomError) {
        run(try state.setVoice(voiced, of: nick, by: session))
    }

    func setAffiliation(_ affiliation: Affiliation, of user: UserID, by session: SessionID, reason: String?)
        throws(RoomError)
    {
        run(try state.setAffiliation(affiliation, of: user, by: session, reason: reason))
        pruneMinds()
        persist()
    }

    /// Applies a configuration; making the room persistent takes one of the service's
    /// persistent slots (`RoomError.roomLimitReached` when none is left), and stopping
    /// gives it back.
    func configure(_ configuration: RoomConfiguration, by session: SessionID, revokingVoice: Bool, asOwner: Bool = false)
        throws(RoomError)
    {
        let was = state.configuration.persistent
        let becomesPersistent = configuration.persistent && !was
        if becomesPersistent, !limits.reservePersistent() { throw .roomLimitReached }
        let effects: [RoomState.Effect]
        do {
            effects = try state.configure(configuration, by: session, revokingVoice: revokingVoice, asOwner: asOwner)
        } catch {
            if becomesPersistent { limits.releasePersistent() }
            throw error
        }
        if was && !configuration.persistent { limits.releasePersistent() }
        run(effects)
        persist()
    }

    func addBan(_ mask: String, by session: SessionID) throws(RoomError) -> RoomBan? {
        let (ban, effects) = try state.addBan(mask, by: session, now: clock())
        run(effects)
        pruneMinds()
        persist()
        return ban
    }

    func removeBan(_ mask: String, by session: SessionID) throws(RoomError) -> RoomBan? {
        let (ban, effects) = try state.removeBan(mask, by: session)
        run(effects)
        persist()
        return ban
    }

    func requestVoice(from session: SessionID) throws(RoomError) {
        run(try state.requestVoice(from: session, now: clock()))
    }

    func invite(_ user: UserID, by session: SessionID) throws(RoomError) {
        try state.invite(user, by: session)
    }

    /// Destroys the room (XEP-0045 §10.9): every occupant is told, the room leaves the
    /// directory (a persistent room gives back its slot), and a later join creates a new one.
    func destroy(by session: SessionID, reason: String?, alternate: String?) throws(RoomError) {
        let effects = try state.destroy(by: session, reason: reason, alternate: alternate)
        run(effects)
        pruneMinds()
        guard !retired else { return }
        retired = true
        if state.configuration.persistent { limits.releasePersistent() }
        persist()
        archive?.removeArchive(of: id)
        onEmpty(self)
    }

    /// Hands the room's record to the store when it changed; forgets it once the room is
    /// no longer persistent or retired.
    private func persist() {
        guard let persistence else { return }
        if state.configuration.persistent && !retired {
            let record = state.record
            guard record != saved else { return }
            saved = record
            persistence.schedule(id, record)
        } else if saved != nil {
            saved = nil
            persistence.schedule(id, nil)
        }
    }

    /// The lists of `RoomState+Owner.swift`, answered from the room's current state.
    func list(_ affiliation: Affiliation, for session: SessionID) throws(RoomError) -> [RoomState.AffiliationEntry] {
        try state.list(affiliation, for: session)
    }

    func list(_ role: Role, for session: SessionID) throws(RoomError) -> [Occupant] {
        try state.list(role, for: session)
    }

    /// Tells every occupant the service is going away and empties the room.
    func shutdown() {
        for session in Array(state.sessions) {
            run(state.leave(session: session, reason: .shutdown))
        }
        let removed = members.values
        members.removeAll()
        for member in removed { member.onRemoved() }
    }

    private func run(_ effects: [RoomState.Effect]) {
        var failed: [SessionID] = []
        for effect in effects {
            switch effect {
            case .to(let session, let event):
                deliver(.room(id, event), to: session, fanOut: nil, failed: &failed)
            case .everyone(let event, let except):
                // One ChatEvent and one FanOut for every recipient (docs/architecture.md).
                let chatEvent = ChatEvent.room(id, event)
                let fanOut = FanOut()
                for session in state.sessions where session != except {
                    deliver(chatEvent, to: session, fanOut: fanOut, failed: &failed)
                }
                fanOut.finish()
            }
        }
        // Sessions that failed leave; telling the others may fail again, so repeat. Each
        // session fails at most once (its mind is dropped on failure), so this ends.
        while !failed.isEmpty {
            let batch = failed
            failed = []
            for session in batch {
                members.removeValue(forKey: session)?.onRemoved()
                for case .everyone(let event, _) in state.leave(session: session, reason: .deliveryFailed) {
                    let chatEvent = ChatEvent.room(id, event)
                    let fanOut = FanOut()
                    for other in state.sessions { deliver(chatEvent, to: other, fanOut: fanOut, failed: &failed) }
                    fanOut.finish()
                }
            }
        }
        checkEmpty()
    }

    private func deliver(_ event: ChatEvent, to session: SessionID, fanOut: FanOut?, failed: inout [SessionID]) {
        guard let mind = members[session]?.mind else { return }
        do {
            if let fanOut {
                try mind.deliver(event, fanOut: fanOut)
            } else {
                try mind.deliver(event)
            }
        } catch {
            logger.debug("room delivery failed; removing session", metadata: ["room": "\(id)", "session": "\(session)", "error": "\(error)"])
            // Removed at once: a mind that failed is not called again, even for the rest
            // of this batch of effects.
            members[session]?.mind = nil
            failed.append(session)
        }
    }

    private func pruneMinds() {
        let present = Set(state.sessions)
        for session in members.keys where !present.contains(session) {
            members.removeValue(forKey: session)?.onRemoved()
        }
        checkEmpty()
    }

    private func checkEmpty() {
        if state.isEmpty && !state.configuration.persistent && !retired {
            retired = true
            // A temporary room's archive goes with it.
            archive?.removeArchive(of: id)
            onEmpty(self)
        }
    }
}
