import Foundation

/// What a persistent room keeps across restarts (XEP-0045 persistent rooms; IRC +P): its
/// configuration, affiliations, subject and ban masks. Occupants, invitations and the
/// history are not kept (the history lives in the archive).
public struct PersistentRoom: Sendable, Equatable {
    public var id: RoomID
    public var configuration: RoomConfiguration
    public var affiliations: [UserID: Affiliation]
    public var topic: Topic?
    public var bans: [RoomBan]

    public init(
        id: RoomID, configuration: RoomConfiguration, affiliations: [UserID: Affiliation] = [:], topic: Topic? = nil,
        bans: [RoomBan] = []
    ) {
        self.id = id
        self.configuration = configuration
        self.affiliations = affiliations
        self.topic = topic
        self.bans = bans
    }
}

/// Where persistent rooms are kept: `FlatFileRoomStore` (files under `storage/rooms/`) by
/// default, or a store someone plugs in. Calls are synchronous and come from one writer
/// at a time (`RoomPersistence`), never from a room's executor.
public protocol RoomStore: Sendable {
    /// Every stored room, read at start.
    func loadRooms() throws -> [PersistentRoom]
    /// Replaces the stored room `room.id` atomically: a crash leaves the old or the new one.
    func save(_ room: PersistentRoom) throws
    /// Forgets a room (destroyed, or no longer persistent); no error when it was not stored.
    func removeRoom(_ id: RoomID) throws
}
