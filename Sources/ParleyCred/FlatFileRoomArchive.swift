import Foundation
import Logging
import ParleyCore

/// Rooms' messages (XEP-0313 MUC archives, history on entry) as human-readable files
/// (docs/storage.md): one folder per room under `storage/archive/`, in `ArchiveSegments`
/// of one `ArchiveLine` per message, appended when the room accepts it, on the room's
/// executor.
public final class FlatFileRoomArchive: RoomArchive {
    let files: ArchiveSegments
    private let logger: Logger

    /// The folder holding one folder per room.
    public var directory: String { files.directory }
    /// Most messages kept per room.
    public var maxMessages: Int { files.maxMessages }
    /// Oldest message kept, in seconds; nil for no age limit.
    public var maxAge: TimeInterval? { files.maxAge }

    /// Opens (and creates when missing) the archive in `directory`.
    public init(
        directory: String, maxMessages: Int = 10_000, maxAge: TimeInterval? = nil, logger: Logger = Logger(label: "parley.archive"),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(StoreError) {
        self.files = try ArchiveSegments(directory: directory, maxMessages: maxMessages, maxAge: maxAge, clock: clock)
        self.logger = logger
    }

    public func append(_ message: ArchivedMessage, in room: RoomID) {
        do {
            try files.append(ArchiveLine.encode(message), to: name(of: room))
        } catch {
            logger.error("a room message could not be archived", metadata: ["room": "\(room)", "error": "\(error)"])
        }
    }

    public func query(_ room: RoomID, _ query: ArchiveQuery) throws(ArchiveQueryError) -> ArchivePage {
        try query.page(of: messages(of: room))
    }

    public func newest(_ room: RoomID, count: Int) -> [ArchivedMessage] {
        guard count > 0 else { return [] }
        return Array(((try? messages(of: room)) ?? []).suffix(count))
    }

    public func removeArchive(of room: RoomID) {
        files.remove(name(of: room))
    }

    /// Appends are written at once; nothing waits.
    public func flush() {}

    /// `archive/<name>/`, the room's folded name encoded as file names are (`FileSafeName`).
    func folder(of room: RoomID) -> String { files.folder(name(of: room)) }

    private func name(of room: RoomID) -> String { FileSafeName.encode(name: room.key) }

    private func messages(of room: RoomID) throws(ArchiveQueryError) -> [ArchivedMessage] {
        try files.messages(of: name(of: room)) { ArchiveLine.decode($0, room: room) }
    }
}
