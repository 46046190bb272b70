import Foundation

/// Settings of a chat service. Every limit has a documented range and default; a value
/// set outside its range is clamped into it, so a service never runs unbounded or with a
/// limit that refuses everything.
public struct ChatServiceConfiguration: Sendable {
    /// The domain users and rooms belong to (`example.com`).
    public var domain: String

    /// Most sessions one user may hold at once: 1…10,000, default 100 (beyond:
    /// `SessionError.tooManySessions`).
    public var maxSessionsPerUser = 100 {
        didSet { maxSessionsPerUser = Self.clamp(maxSessionsPerUser, Self.sessionsPerUserRange) }
    }
    /// Most rooms one session may be in at once: 1…10,000, default 200 (beyond:
    /// `RoomError.tooManyRooms`).
    public var maxRoomsPerSession = 200 {
        didSet { maxRoomsPerSession = Self.clamp(maxRoomsPerSession, Self.roomsPerSessionRange) }
    }
    /// Most rooms the service holds at once, persistent ones included: 1…1,000,000,
    /// default 10,000 (a join that would create one more: `RoomError.roomLimitReached`).
    public var maxRooms = 10_000 {
        didSet { maxRooms = Self.clamp(maxRooms, Self.roomsRange) }
    }
    /// Most persistent rooms (kept when empty): 0…100,000, default 1,000 (making one more
    /// persistent, or creating one when `roomDefaults` are persistent:
    /// `RoomError.roomLimitReached`).
    public var maxPersistentRooms = 1_000 {
        didSet { maxPersistentRooms = Self.clamp(maxPersistentRooms, Self.persistentRoomsRange) }
    }
    /// Most occupants in one room, whatever its own limit (`RoomConfiguration.maxOccupants`,
    /// IRC +l) says, owners and admins included: 1…100,000, default 1,000 (beyond:
    /// `RoomError.full`).
    public var maxOccupantsPerRoom = 1_000 {
        didSet { maxOccupantsPerRoom = Self.clamp(maxOccupantsPerRoom, Self.occupantsPerRoomRange) }
    }
    /// Room entries, nick changes and room presence changes one session may make per
    /// second in the long run: 1…1,000, default 5 (beyond its burst: `RoomError.tooFast`).
    public var roomPresencePerSecond = 5 {
        didSet { roomPresencePerSecond = Self.clamp(roomPresencePerSecond, Self.roomPresenceRateRange) }
    }
    /// How many of those a session may make at once: 1…100,000, default 300 (a client
    /// entering all its bookmarked rooms at login fits; a join-and-leave flood does not).
    public var roomPresenceBurst = 300 {
        didSet { roomPresenceBurst = Self.clamp(roomPresenceBurst, Self.roomPresenceBurstRange) }
    }
    /// The configuration a new room starts with.
    public var roomDefaults = RoomConfiguration()

    // The ranges the limits above are clamped to.
    public static let sessionsPerUserRange = 1...10_000
    public static let roomsPerSessionRange = 1...10_000
    public static let roomsRange = 1...1_000_000
    public static let persistentRoomsRange = 0...100_000
    public static let occupantsPerRoomRange = 1...100_000
    public static let roomPresenceRateRange = 1...1_000
    public static let roomPresenceBurstRange = 1...100_000

    public init(domain: String) { self.domain = domain.lowercased() }

    private static func clamp(_ value: Int, _ range: ClosedRange<Int>) -> Int {
        min(max(value, range.lowerBound), range.upperBound)
    }
}
