/// Small settings records that plugins keep for users, one human-readable file per record
/// under a directory (the IRC gateway's per-user, per-network settings in
/// `storage/irc-gateway/`, docs/storage.md): `key = value` lines in the syntax of the
/// account files, after a `# parley-<kind> 1` header. Each record is written atomically
/// (temporary file, fsync, rename, fsync of the directory) and read whole.
public struct FlatFileSettingsStore: Sendable {
    public let directory: String
    /// The header's kind (`irc-gateway`).
    public let kind: String
    /// Larger files are refused as corrupt.
    static let maximumFileBytes = 64 * 1024

    /// Opens (and creates when missing, mode 0700) the store in `directory`.
    public init(directory: String, kind: String) throws(StoreError) {
        self.directory = directory
        self.kind = kind
        try Posix.makeDirectory(directory)
    }

    private var header: String { "# parley-\(kind) 1" }

    /// The record named `name`; empty when there is none. A malformed file is an error
    /// naming the file and the line.
    public func load(_ name: String) throws(StoreError) -> [String: String] {
        let path = self.path(of: name)
        guard let bytes = try Posix.readFile(path, limit: Self.maximumFileBytes)?.bytes else { return [:] }
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

    /// `<directory>/<name>.conf`, the name encoded as user names are (`FileSafeName`).
    func path(of name: String) -> String {
        "\(directory)/\(FileSafeName.encode(name: name)).conf"
    }
}
