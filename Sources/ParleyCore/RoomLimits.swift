import Synchronization

/// The service-wide room counts that `ChatServiceConfiguration` bounds (`maxRooms`,
/// `maxPersistentRooms`), shared by the service and its rooms. A slot is reserved before a
/// room is created or made persistent and released when it retires or stops being
/// persistent. Touched only when rooms are created, reconfigured or retired, never on the
/// message path.
final class RoomLimits: Sendable {
    private struct Counts {
        var rooms = 0
        var persistent = 0
    }

    let maxRooms: Int
    let maxPersistentRooms: Int
    private let counts = Mutex(Counts())

    init(maxRooms: Int, maxPersistentRooms: Int) {
        self.maxRooms = maxRooms
        self.maxPersistentRooms = maxPersistentRooms
    }

    /// Reserves a new room (and a persistent one when `persistent`); false when full.
    func reserveRoom(persistent: Bool) -> Bool {
        counts.withLock { counts in
            guard counts.rooms < maxRooms, !persistent || counts.persistent < maxPersistentRooms else { return false }
            counts.rooms += 1
            if persistent { counts.persistent += 1 }
            return true
        }
    }

    /// Gives back a room's slot (and its persistent one when `persistent`).
    func releaseRoom(persistent: Bool) {
        counts.withLock { counts in
            counts.rooms -= 1
            if persistent { counts.persistent -= 1 }
        }
    }

    /// Reserves a persistent slot for an existing room; false when full.
    func reservePersistent() -> Bool {
        counts.withLock { counts in
            guard counts.persistent < maxPersistentRooms else { return false }
            counts.persistent += 1
            return true
        }
    }

    /// Gives back a persistent slot.
    func releasePersistent() {
        counts.withLock { $0.persistent -= 1 }
    }

    /// The rooms and persistent rooms held now.
    var current: (rooms: Int, persistent: Int) {
        counts.withLock { ($0.rooms, $0.persistent) }
    }
}
