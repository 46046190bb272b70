import ParleyCore

/// Users' block lists (XEP-0191) as human-readable files (docs/storage.md): one file per
/// user under `storage/blocklists/`, a header line and one blocked JID per line, replaced
/// atomically (temporary file, fsync, rename).
public final class FlatFileBlockListStore: BlockListStore {
    public let directory: String
    static let header = "# parley-blocklist 1"
    /// Largest file read.
    static let maximumBytes = 1 << 20

    public init(directory: String) throws(StoreError) {
        self.directory = directory
        try Posix.makeDirectory(directory)
    }

    private func path(_ user: Username) -> String { "\(directory)/\(FileSafeName.encode(user))" }

    public func blockList(of user: Username) throws -> BlockList {
        guard let bytes = try Posix.readFile(path(user), limit: Self.maximumBytes)?.bytes else { return BlockList() }
        var list = BlockList()
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let text = TextFormat.unescape(line), let address = Self.address(text) else { continue }
            list.addresses.insert(address)
        }
        return list
    }

    public func setBlockList(_ list: BlockList, of user: Username) throws {
        guard !list.addresses.isEmpty else {
            _ = try Posix.remove(path(user))
            return
        }
        var text = Self.header + "\n"
        for address in list.addresses.sorted() { text += TextFormat.escape(address.description) + "\n" }
        _ = try Posix.writeAtomically(Array(text.utf8), to: path(user), directory: directory)
    }

    /// `domain`, `user@domain` or either with `/resource`.
    static func address(_ text: String) -> BlockedAddress? {
        let slash = text.firstIndex(of: "/")
        let bare = slash.map { String(text[..<$0]) } ?? text
        guard let user = UserID(parsing: bare) else { return nil }
        return BlockedAddress(user: user, resource: slash.map { String(text[text.index(after: $0)...]) })
    }
}
