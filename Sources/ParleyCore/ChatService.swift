import Foundation
import Logging
import Synchronization

/// Why a message could not be delivered.
public enum DeliveryError: Error, Sendable, Equatable {
    /// The addressed user has no session that can take it (XMPP service-unavailable /
    /// recipient-unavailable; IRC 401). Offline storage is the adapter's business.
    case recipientUnavailable
    /// The domain is not served here (XMPP remote-server-not-found; IRC 402).
    case notRoutable(String)
    /// The room refused it.
    case room(RoomError)
    /// This session was closed.
    case sessionClosed
    /// A component sent from an address outside its domain (XMPP invalid-from).
    case invalidSender(String)
    /// The sender blocks the recipient (XEP-0191 §5.3: not-acceptable with `<blocked/>`).
    case blockedBySender
    /// The recipient blocks the sender: nothing is delivered or kept (XEP-0191 §5.3:
    /// service-unavailable for messages and requests).
    case blockedByRecipient
}

/// Why a session could not be opened.
public enum SessionError: Error, Sendable, Equatable {
    /// The user holds `maxSessionsPerUser` sessions already (XMPP resource-constraint).
    case tooManySessions
    /// The user is not of this service's domain.
    case wrongDomain
}

/// The protocol-agnostic chat service: users with several sessions, rooms, presence,
/// messages and contact lists. Protocol adapters open sessions on it and translate
/// `ChatEvent`s for their peers; bots and components use the same API.
///
/// Each user and each room is an actor on a home executor from the pool; the service
/// itself holds only the directories that find them.
public final class ChatService: Sendable {
    public let configuration: ChatServiceConfiguration
    public var domain: String { configuration.domain }
    /// Where contact lists are kept (the credential store's contact-list side).
    public let contacts: any ContactListStore
    /// The shared payload translation rules.
    public let translation: TranslationTable
    let executors: ExecutorPool
    let logger: Logger
    let clock: @Sendable () -> Date
    let users = ShardedDirectory<UserID, UserHome>()
    let rooms = ShardedDirectory<RoomID, Room>()
    /// Users' block lists as read from the attached store (`ChatService+Blocking`).
    let blockLists = BlockLists()
    /// The component serving each routed domain (`Components.swift`).
    let components = ShardedDirectory<String, ComponentRoute>()
    /// The route of every other domain, when federation is on (`attachRemoteDomains`).
    let remoteDomains = Mutex<ComponentRoute?>(nil)
    /// Where messages for users without a session wait (`attachOfflineStore`).
    let offline = Mutex<(any OfflineMessageStore)?>(nil)
    /// The room counts the configuration bounds.
    let roomLimits: RoomLimits
    /// Where persistent rooms are written; nil keeps them in memory only.
    let persistence: RoomPersistence?
    /// Where rooms created from now on archive their messages (`attachArchive`).
    private let archive = Mutex<(any RoomArchive)?>(nil)
    /// Where users' one-to-one messages are archived (`attachUserArchive`).
    let userArchiveSlot = Mutex<(any UserArchive)?>(nil)

    public init(
        configuration: ChatServiceConfiguration, contacts: any ContactListStore,
        executors: ExecutorPool = .queues(), translation: TranslationTable = .standard,
        logger: Logger = Logger(label: "parley.chat"), clock: @escaping @Sendable () -> Date = { Date() },
        roomStore: (any RoomStore)? = nil
    ) {
        self.persistence = roomStore.map { RoomPersistence(store: $0, logger: logger) }
        self.configuration = configuration
        self.roomLimits = RoomLimits(
            maxRooms: configuration.maxRooms, maxPersistentRooms: configuration.maxPersistentRooms)
        self.contacts = contacts
        self.executors = executors
        self.translation = translation
        self.logger = logger
        self.clock = clock
    }

    // MARK: Sessions

    /// Opens a session of `user`, named `resource` (or a generated name). A session of the
    /// same user with the same name is closed with `.replaced` (RFC 6120 §7.7.2.2). `guest`
    /// marks a user without an account (an anonymous login): its sessions and occupants say
    /// so, and adapters show it (IRC: `~` and the USER username as the user part).
    ///
    /// `remote` opens a session of a user of a remote domain, which federation routes
    /// (`attachRemoteDomains`): a remote user in a local room. It has no contact list here.
    public func openSession(
        for user: UserID, resource: String? = nil, remote: Bool = false, guest: Bool = false, mind: any SessionMind
    ) async throws(SessionError) -> ChatSession {
        if remote {
            guard let route = remoteDomains.withLock({ $0 }), route.accepts(senderDomain: user.domain, of: self) else {
                throw .wrongDomain
            }
        } else {
            guard user.domain == domain else { throw .wrongDomain }
        }
        while true {
            let home = users.value(for: user) {
                UserHome(id: user, home: executors.executor(for: user), directory: users)
            }.value
            let name = await home.resourceName(requested: resource)
            let session = ChatSession(
                id: SessionID(user: user, resource: name), service: self, home: home, mind: mind, guest: guest)
            switch await home.attach(session, limit: configuration.maxSessionsPerUser) {
            case .retired:
                continue  // the home retired meanwhile: look up again
            case .full:
                throw .tooManySessions
            case .attached(let replaced):
                if let replaced {
                    await replaced.close(reason: .replaced)
                }
                return session
            }
        }
    }

    /// The overall presence of `user`, derived from its sessions.
    public func presence(of user: UserID) async -> Presence {
        await users[user]?.derivedPresence ?? .unavailable
    }

    /// The available sessions of `user` and their presence.
    public func availableSessions(of user: UserID) async -> [SessionID: Presence] {
        guard let home = users[user] else { return [:] }
        return Dictionary(await home.availablePresences, uniquingKeysWith: { a, _ in a })
    }

    /// Delivers `event` to every available session of a local user, or to the component
    /// serving the user's domain; false when nobody took it.
    @discardableResult
    func deliverToAvailable(_ event: ChatEvent, of user: UserID, except: SessionID? = nil) async -> Bool {
        guard user.domain == domain else { return routeToComponent(event, to: .user(user)) ?? false }
        guard let home = users[user] else { return false }
        return await home.deliverToAvailable(event, except: except) > 0
    }

    /// Delivers `event` to every session of a local user.
    func deliverToAll(_ event: ChatEvent, of user: UserID) async {
        guard user.domain == domain, let home = users[user] else { return }
        await home.deliverToAll(event)
    }

    // MARK: Rooms

    /// The room named `id`, if it exists.
    public func room(_ id: RoomID) -> Room? { rooms[id] }

    /// Every room, for listings (the adapter filters hidden ones).
    public var allRooms: [Room] { rooms.allValues }

    /// The room to join, created (with `creator` as owner or operator per `founding`,
    /// `locked` until the owner configures it) when absent and the service's room limits
    /// allow one more.
    func roomForJoin(_ id: RoomID, creator: UserID, founding: RoomFounding = .owner, locked: Bool = false)
        throws(RoomError) -> (Room, created: Bool)
    {
        if let room = rooms[id] { return (room, false) }
        let persistent = configuration.roomDefaults.persistent
        guard roomLimits.reserveRoom(persistent: persistent) else { throw .roomLimitReached }
        let (room, created) = rooms.value(for: id) {
            makeRoom(
                RoomState(
                    id: id, configuration: configuration.roomDefaults, owner: creator, founding: founding,
                    maxOccupants: configuration.maxOccupantsPerRoom, locked: locked),
                restored: false)
        }
        if !created { roomLimits.releaseRoom(persistent: persistent) }
        return (room, created)
    }

    /// Archives the messages of every room created from now on (the `muc` plugin attaches
    /// its XEP-0313 archive before the persistent rooms are restored).
    public func attachArchive(_ archive: any RoomArchive) {
        self.archive.withLock { $0 = archive }
    }

    /// The archive rooms use, if any.
    public var roomArchive: (any RoomArchive)? { archive.withLock { $0 } }

    private func makeRoom(_ state: RoomState, restored: Bool) -> Room {
        Room(
            state: state, home: executors.executor(for: state.id), limits: roomLimits, clock: clock, logger: logger,
            persistence: persistence, restored: restored, archive: roomArchive
        ) { [rooms, roomLimits] retired in
            rooms.remove(retired.id, ifIdenticalTo: retired)
            roomLimits.releaseRoom(persistent: false)
        }
    }

    /// Reads the persistent rooms from the room store into the directory, empty, before
    /// anyone joins; returns how many. Rooms beyond the service's limits are not loaded
    /// (and logged).
    @discardableResult
    public func restoreRooms() throws -> Int {
        guard let persistence else { return 0 }
        var count = 0
        for record in try persistence.store.loadRooms().sorted(by: { $0.id < $1.id }) {
            guard record.configuration.persistent, roomLimits.reserveRoom(persistent: true) else {
                logger.warning("a stored room is not loaded (not persistent, or over the room limits)", metadata: ["room": "\(record.id)"])
                continue
            }
            let (_, created) = rooms.value(for: record.id) {
                let history = roomArchive?.newest(record.id, count: record.configuration.historyLength).map(\.message) ?? []
                return makeRoom(
                    RoomState(restoring: record, maxOccupants: configuration.maxOccupantsPerRoom, history: history),
                    restored: true)
            }
            if created { count += 1 } else { roomLimits.releaseRoom(persistent: true) }
        }
        return count
    }

    // MARK: Shutdown

    /// Tells every session the service stops, and empties every room.
    public func shutdown() async {
        for room in rooms.allValues { await room.shutdown() }
        persistence?.flush()
        roomArchive?.flush()
        for home in users.allValues {
            await home.deliverToAll(.closed(.shutdown))
        }
    }
}
