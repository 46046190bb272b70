import Foundation

/// Whole-file reads and atomic replacement for stores outside this module (offline
/// messages, TLS material): the same temporary-file, fsync, rename and directory-fsync
/// discipline as the account store.
public enum StorageFile {
    /// Reads at most `limit` bytes of `path`; nil when the file does not exist.
    public static func read(_ path: String, limit: Int) throws(StoreError) -> [UInt8]? {
        try Posix.readFile(path, limit: limit)?.bytes
    }

    /// Replaces `path` atomically, creating its directory (mode 0700) when missing.
    public static func write(_ bytes: [UInt8], to path: String) throws(StoreError) {
        let directory = directory(of: path)
        try Posix.makeDirectory(directory)
        _ = try Posix.writeAtomically(bytes, to: path, directory: directory)
    }

    /// Removes `path`; false when it did not exist.
    @discardableResult
    public static func remove(_ path: String) throws(StoreError) -> Bool {
        try Posix.remove(path)
    }

    /// Runs `body` holding an exclusive `flock` on `path` (created, with its directory,
    /// if missing), so that read-modify-write cycles of several processes lose no update.
    public static func withLock<Result>(_ path: String, _ body: () throws -> Result) throws -> Result {
        try Posix.makeDirectory(directory(of: path))
        return try Posix.withFileLock(path, body)
    }

    private static func directory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }
}

/// The escaping every stored text file uses (a value never holds a line break or a TAB of
/// its own), for stores outside this module.
public enum StorageText {
    public static func escape(_ value: String) -> String { TextFormat.escape(value) }
    public static func unescape(_ text: Substring) -> String? { TextFormat.unescape(text) }
}
