import Logging
import Synchronization

/// Writes persistent rooms behind their rooms' backs: a room hands over its new record
/// (or nil to forget it) and goes on; one writer at a time takes everything pending and
/// writes it, so a room's last record is written last, and a burst of changes to one room
/// is written once. `flush` writes what is pending before a shutdown.
public final class RoomPersistence: Sendable {
    public let store: any RoomStore
    private let logger: Logger
    private struct Pending {
        var records: [RoomID: PersistentRoom?] = [:]
        var writing = false
    }
    private let pending = Mutex(Pending())
    /// Held while records are written: later takes write later.
    private let writer = Mutex(())

    public init(store: any RoomStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Queues `record` for `id` (nil: remove it); a writer task starts when none runs.
    func schedule(_ id: RoomID, _ record: PersistentRoom?) {
        let start = pending.withLock { state in
            state.records[id] = .some(record)
            defer { state.writing = true }
            return !state.writing
        }
        guard start else { return }
        Task.detached { [self] in
            while writeOnce() {}
        }
    }

    /// Writes everything pending now, in the caller.
    public func flush() {
        while writeOnce() {}
    }

    /// Takes and writes what is pending; false (and no writer running) when nothing was.
    private func writeOnce() -> Bool {
        writer.withLock { _ in
            let batch = pending.withLock { state in
                defer { state.records.removeAll() }
                if state.records.isEmpty { state.writing = false }
                return state.records
            }
            guard !batch.isEmpty else { return false }
            for (id, record) in batch.sorted(by: { $0.key < $1.key }) {
                do {
                    if let record { try store.save(record) } else { try store.removeRoom(id) }
                } catch {
                    logger.error("a persistent room could not be written", metadata: ["room": "\(id)", "error": "\(error)"])
                }
            }
            return true
        }
    }
}
