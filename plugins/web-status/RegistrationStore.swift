import ParleyCore
import ParleyCred

/// The registrations of one component on disk: one human-readable file,
/// `<storage>/web-status/<domain>.registrations` (format: `RegistrationFile`), replaced
/// as a whole on every change (temporary file, fsync, rename, directory fsync: `StorageFile`).
///
/// One component instance owns the file: the domain it serves can be attached only once,
/// so no other writer exists and no lock is taken.
public struct RegistrationStore: Sendable {
    public let path: String
    public let domain: String
    /// Bytes read at most (about 100 bytes a registration: far above any allowed count).
    public static let maximumFileBytes = 256 << 20

    /// The store of `domain`'s registrations under `storageDirectory`.
    public init(storageDirectory: String, domain: String) {
        self.domain = domain
        let name = Username(domain).map(FileSafeName.encode) ?? "component"
        self.path = "\(storageDirectory)/web-status/\(name).registrations"
    }

    /// Reads the file; an empty table when it does not exist yet. A file that does not
    /// parse is an error naming its line: it is never overwritten by a guess.
    public func load() throws -> RegistrationTable {
        guard let bytes = try StorageFile.read(path, limit: Self.maximumFileBytes) else { return RegistrationTable() }
        return try RegistrationFile.decode(bytes, path: path)
    }

    /// Replaces the file with `table`, off the caller's executor (the write blocks).
    public func save(_ table: RegistrationTable) async throws {
        let bytes = RegistrationFile.encode(table, domain: domain)
        let path = path
        try await Task.detached { try StorageFile.write(bytes, to: path) }.value
    }
}
