import Foundation
import Synchronization

/// One open session of a user: what an adapter (or a bot) calls to act in the service.
/// Everything the session sends is stamped with its own address, so a peer cannot
/// forge another sender.
public final class ChatSession: Sendable {
    public let id: SessionID
    public let service: ChatService
    let home: UserHome
    let mind: any SessionMind
    /// True for a guest's session (an anonymous login, `ChatService.openSession(guest:)`).
    public let isGuest: Bool

    private struct State {
        var rooms: [RoomID: Room] = [:]
        var closed = false
        /// Where this session sent directed presence (RFC 6121 §4.6), to tell them when it goes.
        var directed: Set<SessionID> = []
        /// Sent available presence and not unavailable since (RFC 6121 §4.2). Kept here, not
        /// only in the user's home, because a replaced or unreachable session is detached
        /// from the home before it closes and must still be announced unavailable.
        var announced = false
        /// Room entries and room presence changes (`ChatServiceConfiguration.roomPresencePerSecond`).
        var roomPresence: FloodGate?
    }
    private let state = Mutex(State())

    /// Takes one room presence change from the session's allowance, or throws `.tooFast`.
    private func admitRoomPresence() throws(RoomError) {
        let configuration = service.configuration
        let now = DispatchTime.now().uptimeNanoseconds
        let admitted = state.withLock { state in
            if state.roomPresence == nil {
                state.roomPresence = FloodGate(
                    rate: configuration.roomPresencePerSecond, burst: configuration.roomPresenceBurst, now: now)
            }
            return state.roomPresence!.admit(now: now)
        }
        guard admitted else { throw .tooFast }
    }

    init(id: SessionID, service: ChatService, home: UserHome, mind: any SessionMind, guest: Bool = false) {
        self.id = id
        self.isGuest = guest
        self.service = service
        self.home = home
        self.mind = mind
    }

    public var user: UserID { id.user }
    public var isClosed: Bool { state.withLock { $0.closed } }
    /// The rooms this session is in.
    public var joinedRooms: [RoomID] { state.withLock { Array($0.rooms.keys) } }

    private var username: Username? { id.user.username }

    // MARK: Presence (RFC 6121 §4)

    /// Sets this session's presence: broadcast to the user's presence subscribers, the
    /// user's other sessions and the rooms it is in. The first available presence also
    /// fetches the presence of the contacts the user is subscribed to (the probe, §4.2.2).
    public func setPresence(_ presence: Presence) async {
        guard !isClosed else { return }
        let (wasAnnounced, attached) = await home.setPresence(presence, of: self)
        guard attached else { return }
        state.withLock { $0.announced = presence.availability.isOnline }
        let list = (try? await contactList()) ?? ContactList()
        let event = ChatEvent.presence(from: id, presence)
        for subscriber in list.presenceSubscribers where await service.presencePasses(between: user, and: subscriber) {
            await service.deliverToAvailable(event, of: subscriber)
        }
        await home.deliverToAvailable(event, except: id)
        if !presence.availability.isOnline {
            let directed = state.withLock { state in
                defer { state.directed = [] }
                return state.directed
            }
            for target in directed { await service.deliverToAvailable(event, of: target.user) }
        }
        if presence.availability.isOnline {
            for room in state.withLock({ Array($0.rooms.values) }) {
                await room.updatePresence(session: id, presence: presence)
            }
        } else {
            // RFC 6121 §4.5.2: unavailable presence goes to every directed-presence target, and
            // a room is one (XEP-0045 §7.14): going unavailable leaves every room.
            let rooms = state.withLock { state in
                defer { state.rooms = [:] }
                return Array(state.rooms.values)
            }
            // Going offline ends the session's visit everywhere: `.disconnected` (IRC QUIT).
            for room in rooms { await room.leave(session: id, reason: .disconnected(presence.status)) }
        }
        if presence.availability.isOnline && !wasAnnounced {
            var targets = list.presenceTargets
            targets.append(id.user)  // the user's own other sessions (§4.2.2)
            for target in targets where await service.presencePasses(between: user, and: target) {
                if target.domain != service.domain {
                    // §4.2.2: contacts on a component's domain are probed; they answer themselves.
                    _ = service.routeToComponent(.probe(from: id.user), to: .user(target))
                    continue
                }
                for (session, theirs) in await service.availableSessions(of: target) where session != id {
                    try? mind.deliver(.presence(from: session, theirs))
                }
            }
        }
    }

    /// Sends presence to one session only (directed presence, RFC 6121 §4.6).
    public func sendDirectedPresence(_ presence: Presence, to target: SessionID) async throws(DeliveryError) {
        guard !isClosed else { throw .sessionClosed }
        if presence.availability.isOnline,
            let error = await service.blockingError(from: .session(id), to: .user(target.user))
        {
            throw error
        }
        state.withLock { state in
            if presence.availability.isOnline {
                state.directed.insert(target)
            } else {
                state.directed.remove(target)
            }
        }
        try await service.routePresence(presence, from: id, to: target.resource.isEmpty ? .user(target.user) : .session(target))
    }

    // MARK: Messages (RFC 6121 §5, §8.5)

    /// Sends `message` to its `to` address with this session as sender.
    nonisolated(nonsending) public func send(_ message: Message, audience: RoomPrivilege? = nil)
        async throws(DeliveryError)
    {
        guard !isClosed else { throw .sessionClosed }
        var message = message
        message.from = .session(id)
        if message.timestamp == nil { message.timestamp = service.clock() }
        switch message.to {
        case .user, .session:
            try await sendOneToOne(message)
        case .room(let roomID):
            guard let room = state.withLock({ $0.rooms[roomID] }) ?? service.room(roomID) else {
                throw .room(.noSuchRoom)
            }
            do { try await room.post(message, from: id, audience: audience) } catch { throw .room(error) }
        case .occupant(let roomID, let nick):
            guard let room = state.withLock({ $0.rooms[roomID] }) else { throw .room(.notInRoom) }
            do { try await room.privateMessage(message, from: id, to: nick) } catch { throw .room(error) }
        }
    }

    /// A one-to-one message: archived for this user (XEP-0313) and copied to its other
    /// sessions that asked for copies (XEP-0280 §6, `<sent/>`) once it is routed, or once it
    /// is left to the adapter's offline storage.
    private nonisolated(nonsending) func sendOneToOne(_ message: Message) async throws(DeliveryError) {
        // XEP-0191 §5.3: nothing goes to an address the user blocks.
        if await service.blocks(user, message.to) { throw .blockedBySender }
        var message = message
        var archive: (any UserArchive)?
        if let owner = username, let peer = message.to.user {
            archive = await service.archives(message, owner: owner, peer: peer)
            if archive != nil { message.archiveID = MessageID.mint() }
        }
        var failure: DeliveryError?
        do {
            try await service.route(message)
        } catch .recipientUnavailable {
            failure = .recipientUnavailable
        }
        if let archive, let owner = username { service.append(message, to: archive, owner: owner, peer: message.to) }
        if message.isConversation, home.copyTakers.load(ordering: .relaxed) > 0 {
            await home.deliverCopies(of: message, .sent) { $0 !== self }
        }
        if let failure { throw failure }
    }

    /// Whether this session sees the one-to-one messages its user's other sessions send and
    /// receive (XEP-0280 §4 enable, §5 disable; off when a session opens).
    public func receiveCopies(_ wanted: Bool) async {
        _ = await home.setWantsCopies(wanted, of: self)
    }

    /// Sends a request or answer to one session (RFC 6120 §8.5.3.1: an IQ to a full JID).
    /// A missing session is `.recipientUnavailable`; the adapter answers the requester.
    nonisolated(nonsending) public func send(_ query: Query) async throws(DeliveryError) {
        guard !isClosed else { throw .sessionClosed }
        var query = query
        query.from = .session(id)
        if let error = await service.blockingError(from: query.from, to: .session(query.to)) {
            throw error
        }
        try await service.route(query)
    }

    // MARK: Rooms (XEP-0045 §7; IRC JOIN/PART/NICK/TOPIC/MODE/KICK/INVITE)


    /// Enters a room, creating it when absent (`founding`: what this user becomes then;
    /// `lockingNewRoom`: locked until the owner configures it, XEP-0045 §10.1.1; for a
    /// guest, `guestUsername` is the username it gave, unverified, which bans see as
    /// `~<username>`, `RoomBan.subject`); the snapshot is also delivered to the mind first,
    /// as `.room(id, .entered(…))`, in order with the room's later events.
    @discardableResult
    public func join(
        _ roomID: RoomID, as nick: Nickname, password: String? = nil, presence: Presence = Presence(),
        founding: RoomFounding = .owner, lockingNewRoom: Bool = false, guestUsername: String? = nil
    ) async throws(RoomError) -> RoomSnapshot
    {
        guard !isClosed else { throw .sessionClosed }
        try admitRoomPresence()
        let count = state.withLock { $0.rooms.count }
        guard count < service.configuration.maxRoomsPerSession || state.withLock({ $0.rooms[roomID] != nil }) else {
            throw .tooManyRooms
        }
        while true {
            let (room, created) = try service.roomForJoin(
                roomID, creator: id.user, founding: founding, locked: lockingNewRoom)
            // When the room removes this session itself (kick, ban, failed delivery), forget it.
            let onRemoved: @Sendable () -> Void = { [weak self] in
                self?.state.withLock { state in
                    if state.rooms[roomID] === room { state.rooms[roomID] = nil }
                }
            }
            // The session counts the room as joined from the moment the room does, before
            // the join's events reach any mind.
            let onJoined: @Sendable () -> Void = { [weak self] in
                self?.state.withLock { state in
                    if !state.closed { state.rooms[roomID] = room }
                }
            }
            guard
                let snapshot = try await room.join(
                    session: id, mind: mind, nick: nick, password: password, presence: presence, guest: isGuest,
                    guestUsername: isGuest ? guestUsername : nil,
                    created: created, onJoined: onJoined, onRemoved: onRemoved)
            else { continue }  // the room emptied and retired meanwhile: look it up again
            let closedMeanwhile = state.withLock { state in
                if !state.closed { state.rooms[roomID] = room }
                return state.closed
            }
            if closedMeanwhile {
                await room.leave(session: id, reason: .left(nil))
                throw .sessionClosed
            }
            return snapshot
        }
    }

    /// Leaves a room with an optional parting message.
    public func leave(_ roomID: RoomID, message: String? = nil) async {
        guard let room = state.withLock({ $0.rooms.removeValue(forKey: roomID) }) else { return }
        await room.leave(session: id, reason: .left(message))
    }

    private func joinedRoom(_ roomID: RoomID) throws(RoomError) -> Room {
        guard let room = state.withLock({ $0.rooms[roomID] }) else { throw .notInRoom }
        return room
    }

    public func changeNick(in roomID: RoomID, to nick: Nickname) async throws(RoomError) {
        try admitRoomPresence()
        try await joinedRoom(roomID).changeNick(session: id, to: nick)
    }

    public func setTopic(_ text: String, in roomID: RoomID) async throws(RoomError) {
        try await joinedRoom(roomID).setTopic(text, from: id)
    }

    public func setRole(_ role: Role, of nick: Nickname, in roomID: RoomID, reason: String? = nil) async throws(RoomError) {
        try await joinedRoom(roomID).setRole(role, of: nick, by: id, reason: reason)
    }

    /// Gives or takes the voice of an operator or owner beside its rank (`RoomState.setVoice`).
    public func setVoice(_ voiced: Bool, of nick: Nickname, in roomID: RoomID) async throws(RoomError) {
        try await joinedRoom(roomID).setVoice(voiced, of: nick, by: id)
    }

    public func setAffiliation(_ affiliation: Affiliation, of user: UserID, in roomID: RoomID, reason: String? = nil)
        async throws(RoomError)
    {
        try await joinedRoom(roomID).setAffiliation(affiliation, of: user, by: id, reason: reason)
    }

    /// Replaces a room's configuration; `revokingVoice` as in `RoomState.configure`.
    public func configure(_ roomID: RoomID, _ configuration: RoomConfiguration, revokingVoice: Bool = false)
        async throws(RoomError)
    {
        try await joinedRoom(roomID).configure(configuration, by: id, revokingVoice: revokingVoice)
    }

    // MARK: Owners and admins, in the room or not (XEP-0045 §9, §10)

    /// The configuration of a room the session's user owns, for the owner's form (§10.2).
    public func ownerConfiguration(of roomID: RoomID) async throws(RoomError) -> RoomConfiguration {
        let state = try await existingRoom(roomID).snapshot
        guard state.affiliation(of: user) == .owner else { throw .notAllowed }
        return state.configuration
    }

    /// Submits the owner's configuration form (§10.1.2, §10.2): owners only; it unlocks a
    /// new room.
    public func configureAsOwner(_ roomID: RoomID, _ configuration: RoomConfiguration) async throws(RoomError) {
        try await existingRoom(roomID).configure(configuration, by: id, revokingVoice: false, asOwner: true)
    }

    /// Destroys a room the session's user owns (`RoomState.destroy`).
    public func destroy(_ roomID: RoomID, reason: String? = nil, alternate: String? = nil) async throws(RoomError) {
        try await existingRoom(roomID).destroy(by: id, reason: reason, alternate: alternate)
    }

    /// An affiliation list of a room (`RoomState.list(_:for:)`).
    public func list(_ affiliation: Affiliation, in roomID: RoomID) async throws(RoomError) -> [RoomState.AffiliationEntry] {
        try await existingRoom(roomID).list(affiliation, for: id)
    }

    /// A role list of a room (`RoomState.list(_:for:)`).
    public func list(_ role: Role, in roomID: RoomID) async throws(RoomError) -> [Occupant] {
        try await existingRoom(roomID).list(role, for: id)
    }

    private func existingRoom(_ roomID: RoomID) throws(RoomError) -> Room {
        guard let room = service.room(roomID) else { throw .noSuchRoom }
        return room
    }

    /// Adds a ban mask to a room (`RoomState.addBan`); nil when it was listed already.
    @discardableResult
    public func addBan(_ mask: String, in roomID: RoomID) async throws(RoomError) -> RoomBan? {
        try await joinedRoom(roomID).addBan(mask, by: id)
    }

    /// Lifts a ban mask (`RoomState.removeBan`); nil when it was not listed.
    @discardableResult
    public func removeBan(_ mask: String, in roomID: RoomID) async throws(RoomError) -> RoomBan? {
        try await joinedRoom(roomID).removeBan(mask, by: id)
    }

    /// Asks the room's moderators for voice (`RoomState.requestVoice`).
    public func requestVoice(in roomID: RoomID) async throws(RoomError) {
        try await joinedRoom(roomID).requestVoice(from: id)
    }

    /// Invites `user` into a room this session is in, and tells the user.
    public func invite(_ user: UserID, to roomID: RoomID, reason: String? = nil) async throws(RoomError) {
        try await joinedRoom(roomID).invite(user, by: id)
        await service.deliverToAll(.invitation(room: roomID, from: id.user, reason: reason), of: user)
    }

    // MARK: Contact list (RFC 6121 §2)

    /// The user's contact list from the store.
    public func contactList() async throws -> ContactList {
        guard let username else { return ContactList() }
        return try await service.contacts.contactList(of: username)
    }

    /// Adds or changes a contact's name and groups, keeping its subscription state, and
    /// pushes the change to every session of the user (§2.3).
    public func updateContact(_ address: UserID, name: String?, groups: Set<String>) async throws {
        guard let username else { return }
        let (contact, version) = try await service.contacts.updateContactList(of: username) { list in
            var contact = list[address] ?? Contact(address: address)
            contact.name = name
            contact.groups = groups
            list.upsert(contact)
            return (contact, list.version)
        }
        await service.deliverToAll(.contactUpdated(contact, version: version), of: id.user)
    }

    /// Removes a contact, cancelling subscriptions both ways (§2.5.2), and pushes the removal.
    public func removeContact(_ address: UserID) async throws {
        guard let username else { return }
        guard let existing = try await contactList()[address] else { return }
        if existing.subscription.to || existing.subscription.pendingOut {
            try await sendSubscription(.unsubscribe, to: address)
        }
        if existing.subscription.from || existing.subscription.pendingIn {
            try await sendSubscription(.unsubscribed, to: address)
        }
        let version = try await service.contacts.updateContactList(of: username) { list in
            list.remove(address)
            return list.version
        }
        await service.deliverToAll(.contactRemoved(address, version: version), of: id.user)
    }

    /// Sends a subscription request or answer to `contact` and runs both sides of the
    /// RFC 6121 Appendix A state machine, with the pushes and presence that follow (§3).
    public func sendSubscription(_ request: SubscriptionRequest, to contact: UserID) async throws {
        guard let username else { return }
        // XEP-0191 §5.3: no subscription traffic with a blocked address, either way.
        if let error = await service.blockingError(from: .user(user), to: .user(contact)) {
            throw error
        }
        let outbound: Subscription.Event =
            switch request {
            case .subscribe: .outboundSubscribe
            case .subscribed: .outboundSubscribed
            case .unsubscribe: .outboundUnsubscribe
            case .unsubscribed: .outboundUnsubscribed
            }
        let (disposition, ownChange) = try await service.applySubscription(outbound, owner: username, contact: contact)
        if let (entry, version) = ownChange {
            await service.deliverToAll(.contactUpdated(entry, version: version), of: id.user)
        }
        guard disposition == .forward else { return }
        try await service.deliverSubscription(request, from: id.user, to: contact)
    }

    // MARK: Closing

    /// Ends the session: leaves its rooms (`.disconnected(message)`, or `.shutdown` when the
    /// service stops), tells its subscribers it is unavailable, and detaches it from the
    /// user. `message` is the closing text the rooms show (an IRC QUIT reason). Safe to call
    /// more than once: later calls do nothing.
    public func close(reason: SessionCloseReason? = nil, message: String? = nil) async {
        let closing: (rooms: [Room], wasAvailable: Bool)? = state.withLock { state in
            guard !state.closed else { return nil }
            state.closed = true
            defer { state.rooms = [:] }
            return (Array(state.rooms.values), state.announced)
        }
        guard let (rooms, wasAvailable) = closing else { return }
        if let reason { try? mind.deliver(.closed(reason)) }
        let leaveReason: LeaveReason = reason == .shutdown ? .shutdown : .disconnected(message)
        for room in rooms { await room.leave(session: id, reason: leaveReason) }
        await home.detach(self)
        if wasAvailable {
            let event = ChatEvent.presence(from: id, .unavailable)
            let list = (try? await contactList()) ?? ContactList()
            for subscriber in list.presenceSubscribers { await service.deliverToAvailable(event, of: subscriber) }
            await home.deliverToAvailable(event)
            let directed = state.withLock { $0.directed }
            for target in directed { await service.deliverToAvailable(event, of: target.user) }
        }
    }
}
