import Synchronization

/// One user at run time: the sessions it has open, each with its presence, and the
/// routing rules for messages addressed to the user. Lives on its own home executor.
actor UserHome {
    nonisolated let id: UserID
    nonisolated let home: any SerialExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { home.asUnownedSerialExecutor() }

    struct Entry {
        let session: ChatSession
        var presence: Presence = .unavailable
        /// Sent initial presence and not yet unavailable (RFC 6121 §4.2: an "available resource").
        var announced = false
        /// Sees copies of the conversations of the user's other sessions (XEP-0280).
        var wantsCopies = false
    }

    var entries = UserHomeSessions()
    /// How many sessions want copies of the conversation (XEP-0280): a session that sends
    /// reads it without hopping here, and hops only when some session does.
    nonisolated let copyTakers = Atomic<Int>(0)
    private var generated = 0
    /// The directory that finds this home; it is removed from it when its last session
    /// goes (a directory, not a closure: no closure context per user).
    private let directory: ShardedDirectory<UserID, UserHome>
    private var retired = false

    init(id: UserID, home: any SerialExecutor, directory: ShardedDirectory<UserID, UserHome>) {
        self.id = id
        self.home = home
        self.directory = directory
    }

    /// Picks the session name: the requested one, or a fresh one when none was asked for.
    func resourceName(requested: String?) -> String {
        if let requested, !requested.isEmpty { return requested }
        repeat {
            generated += 1
        } while entries["parley-\(generated)"] != nil
        return "parley-\(generated)"
    }

    enum Attachment {
        /// Attached; `replaced` is the session that had the same name (RFC 6120 §7.7.2.2).
        case attached(replaced: ChatSession?)
        /// The user holds `limit` sessions already and this one would be one more.
        case full
        /// This home retired in the meantime; the caller must look it up again.
        case retired
    }

    /// Attaches `session` unless that would make more than `limit` sessions; a session
    /// that replaces another of the same name does not count as one more. Checked and
    /// done in one step, so concurrent opens cannot exceed the limit.
    func attach(_ session: ChatSession, limit: Int) -> Attachment {
        if retired { return .retired }
        let replaced = entries[session.id.resource]?.session
        if replaced == nil && entries.count >= limit {
            if entries.isEmpty { remove(resource: session.id.resource) }  // retire an unused home
            return .full
        }
        if entries[session.id.resource]?.wantsCopies == true { copyTakers.subtract(1, ordering: .relaxed) }
        entries[session.id.resource] = Entry(session: session)
        return .attached(replaced: replaced)
    }

    /// Detaches `session` if it is still the one under its name.
    func detach(_ session: ChatSession) {
        guard let entry = entries[session.id.resource], entry.session === session else { return }
        remove(resource: session.id.resource)
    }

    private func remove(resource: String) {
        if entries[resource]?.wantsCopies == true { copyTakers.subtract(1, ordering: .relaxed) }
        entries[resource] = nil
        if entries.isEmpty && !retired {
            retired = true
            directory.remove(id, ifIdenticalTo: self)
        }
    }

    var sessionCount: Int { entries.count }

    /// Records the presence of one session; returns whether it was announced before.
    func setPresence(_ presence: Presence, of session: ChatSession) -> (wasAnnounced: Bool, attached: Bool) {
        guard var entry = entries[session.id.resource], entry.session === session else { return (false, false) }
        let was = entry.announced
        entry.presence = presence
        entry.announced = presence.availability.isOnline
        entries[session.id.resource] = entry
        return (was, true)
    }

    /// The presence of every available session.
    var availablePresences: [(SessionID, Presence)] {
        entries.values.filter(\.announced).map { ($0.session.id, $0.presence) }
    }

    /// The user's overall presence, derived from its sessions.
    var derivedPresence: Presence { Presence.derived(from: entries.values.filter(\.announced).map(\.presence)) }

    /// Delivers to every available session (presence and subscription events, RFC 6121 §4.2.2).
    @discardableResult
    func deliverToAvailable(_ event: ChatEvent, except: SessionID? = nil) -> Int {
        deliver(event, to: entries.values.filter { $0.announced && $0.session.id != except }.map(\.session))
    }

    /// Delivers to every session, available or not (contact list pushes, invitations).
    @discardableResult
    func deliverToAll(_ event: ChatEvent) -> Int {
        deliver(event, to: entries.values.map(\.session))
    }

    /// Routes an event addressed to one session; nil when no session has that name.
    /// With `fanOut`, the event is one of many copies (`ChatService.deliver(_:toEach:)`).
    func deliver(_ event: ChatEvent, toResource resource: String, fanOut: FanOut? = nil) -> Bool? {
        guard let entry = entries[resource] else { return nil }
        return deliver(event, to: [entry.session], fanOut: fanOut) == 1
    }

    /// Routes a message addressed to the user as a whole (RFC 6121 §8.5.2.1) to
    /// `bestSessions(for:)`; returns how many sessions got it.
    func deliverToUser(_ message: Message, fanOut: FanOut? = nil) -> Int {
        deliver(.message(message), to: bestSessions(for: message), fanOut: fanOut)
    }

    /// Where a message to the user as a whole goes (RFC 6121 §8.5.2.1): chat and normal to
    /// the available sessions of highest non-negative priority (all of them on a tie);
    /// headline to every available session of non-negative priority.
    func bestSessions(for message: Message) -> [ChatSession] {
        let eligible = entries.values.filter { $0.announced && $0.presence.priority >= 0 }
        guard let top = eligible.map(\.presence.priority).max() else { return [] }
        let targets = message.kind == .headline ? eligible : eligible.filter { $0.presence.priority == top }
        return targets.map(\.session)
    }

    func deliver(_ event: ChatEvent, to sessions: [ChatSession], fanOut: FanOut? = nil) -> Int {
        var delivered = 0
        for session in sessions {
            do {
                if let fanOut {
                    try session.mind.deliver(event, fanOut: fanOut)
                } else {
                    try session.mind.deliver(event)
                }
                delivered += 1
            } catch {
                // This session is unreachable: detach it now, tidy up its rooms and
                // contacts off this executor; the other sessions are unaffected.
                if let entry = entries[session.id.resource], entry.session === session {
                    remove(resource: session.id.resource)
                }
                Task { await session.close(reason: .kicked("unreachable")) }
            }
        }
        return delivered
    }
}
