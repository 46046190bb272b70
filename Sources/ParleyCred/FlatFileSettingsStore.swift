/// Small settings records that plugins keep for users, one human-readable file per record
/// under a directory (the IRC gateway's per-user, per-network settings in
/// `storage/irc-gateway/`; pubsub's nodes, one subdirectory each, in `storage/pubsub/`;
/// docs/storage.md): `key = value` lines in the syntax of the
/// account files, after a `# parley-<kind> 1` header. Each record is written atomically
/// (temporary file, fsync, rename, fsync of the directory) and read whole.
public struct FlatFileSettingsStore: Sendable {
    public let directory: String
    /// The header's kind (`irc-gateway`).
    public let kind: String
    /// Larger files are refused as corrupt (64 KiB unless the store was opened with more).
    public let maximumFileBytes: Int

    /// Opens (and creates when missing, mode 0700) the store in `directory`.
    public init(directory: String, kind: String, maximumFileBytes: Int = 64 * 1024) throws(StoreError) {
        self.directory = directory
        self.kind = kind
        self.maximumFileBytes = maximumFileBytes
        try Posix.makeDirectory(directory)
    }

    private var header: String { "# parley-\(kind) 1" }

    /// The record named `name`; empty when there is none. A malformed file is an error
    /// naming the file and the line.
    public func load(_ name: String) throws(StoreError) -> [String: String] {
        let path = self.path(of: name)
        guard let bytes = try Posix.readFile(path, limit: maximumFileBytes)?.bytes else { return [:] }
        return try parse(bytes, path: path)
    }

    private func parse(_ bytes: [UInt8], path: String) throws(StoreError) -> [String: String] {
        var values: [String: String] = [:]
        for (number, line) in try TextFormat.parse(bytes, header: header, path: path) {
            guard case .pair(let key, let value) = line else {
                throw .corruptFile(path: path, line: number, reason: "unexpected section")
            }
            values[key] = value
        }
        return values
    }

    /// Replaces the record `name`. Keys are `[a-z0-9-]+`.
    public func save(_ name: String, _ values: [String: String]) throws(StoreError) {
        var text = header + "\n"
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            precondition(!key.isEmpty && key.utf8.allSatisfy(TextFormat.isKeyByte), "invalid settings key '\(key)'")
            text += "\(key) = \(TextFormat.escape(value))\n"
        }
        _ = try Posix.writeAtomically(Array(text.utf8), to: path(of: name), directory: directory)
    }

    /// Every record in the directory, in file-name order. Only `*.conf` files are read: a
    /// temporary file a crash left behind (`<name>.conf.tmp-…`) is never taken for one.
    public func loadAll() throws(StoreError) -> [[String: String]] {
        try loadAllWithPaths().map(\.record)
    }

    /// `loadAll` with each record's path, for errors that name the file.
    public func loadAllWithPaths() throws(StoreError) -> [(path: String, record: [String: String])] {
        var records: [(path: String, record: [String: String])] = []
        for name in try Posix.directoryEntries(directory).sorted()
        where name.hasSuffix(".conf") && !name.hasPrefix(".") {
            let path = "\(directory)/\(name)"
            guard let bytes = try Posix.readFile(path, limit: maximumFileBytes)?.bytes else { continue }
            records.append((path, try parse(bytes, path: path)))
        }
        return records
    }

    /// Removes the record `name`; nothing happens when there is none.
    public func remove(_ name: String) throws(StoreError) {
        if try Posix.remove(path(of: name)) { try Posix.syncDirectory(directory) }
    }

    /// The store in the subdirectory for `name` (encoded as record names are), created
    /// when missing: one folder per thing, never the raw name as a path.
    public func substore(_ name: String, kind: String, maximumFileBytes: Int = 64 * 1024) throws(StoreError)
        -> FlatFileSettingsStore
    {
        try FlatFileSettingsStore(
            directory: "\(directory)/\(FileSafeName.encode(name: name))", kind: kind, maximumFileBytes: maximumFileBytes)
    }

    /// The stores in every subdirectory (hidden ones skipped), in name order.
    public func substores(kind: String, maximumFileBytes: Int = 64 * 1024) throws(StoreError) -> [FlatFileSettingsStore] {
        var stores: [FlatFileSettingsStore] = []
        for name in try Posix.directoryEntries(directory).sorted() where !name.hasPrefix(".") {
            let path = "\(directory)/\(name)"
            guard try Posix.isDirectory(path) else { continue }
            stores.append(try FlatFileSettingsStore(directory: path, kind: kind, maximumFileBytes: maximumFileBytes))
        }
        return stores
    }

    /// Removes the directory with every file in it and in its subdirectories.
    public func removeAll() throws(StoreError) {
        try Posix.removeTree(directory)
        if let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
            try Posix.syncDirectory(String(directory[..<slash]))
        }
    }

    /// `<directory>/<name>.conf`, the name encoded as user names are (`FileSafeName`).
    func path(of name: String) -> String {
        "\(directory)/\(FileSafeName.encode(name: name)).conf"
    }
}
