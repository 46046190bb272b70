import ParleyCore

/// Persistent rooms as human-readable files, one per room, under one directory
/// (`storage/rooms/`, docs/storage.md): each written atomically (temporary file, fsync,
/// rename, fsync of the directory), so a crash leaves the old record or the new one.
public struct FlatFileRoomStore: RoomStore {
    /// The directory holding the `.room` files.
    public let directory: String

    /// Opens (and creates when missing, mode 0700) the store in `directory`.
    public init(directory: String) throws(StoreError) {
        self.directory = directory
        try Posix.makeDirectory(directory)
    }

    public func loadRooms() throws -> [PersistentRoom] {
        var rooms: [PersistentRoom] = []
        for entry in try Posix.directoryEntries(directory).sorted() where entry.hasSuffix(".room") && !entry.hasPrefix(".") {
            let path = "\(directory)/\(entry)"
            guard let bytes = try Posix.readFile(path, limit: RoomFile.maximumFileBytes)?.bytes else { continue }
            let room = try RoomFile.parse(bytes, path: path)
            guard self.path(of: room.id) == path else {
                throw StoreError.corruptFile(path: path, line: 0, reason: "the file name does not match the room '\(room.id)'")
            }
            rooms.append(room)
        }
        return rooms
    }

    public func save(_ room: PersistentRoom) throws {
        _ = try Posix.writeAtomically(RoomFile.serialize(room), to: path(of: room.id), directory: directory)
    }

    public func removeRoom(_ id: RoomID) throws {
        if try Posix.remove(path(of: id)) { try Posix.syncDirectory(directory) }
    }

    /// `rooms/<name>.room`, the room's folded name encoded as user names are (`FileSafeName`).
    func path(of id: RoomID) -> String {
        "\(directory)/\(FileSafeName.encode(name: id.key)).room"
    }
}
