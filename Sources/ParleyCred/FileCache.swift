#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ParleyCore
import Synchronization

/// Parsed files kept in memory and re-validated with one `stat` per lookup.
///
/// An entry is trusted on `stat` alone only when it is not *racy*: file timestamps come
/// from a coarse clock, so a file read within `racyMargin` of its last change could be
/// changed again with the same size and timestamps (and, after a rename, even a reused
/// inode number). Such an entry is confirmed by re-reading the bytes on each lookup until
/// the margin has passed — the same rule git applies to "racily clean" index entries.
/// When the bytes are unchanged the parsed content (and a PLAIN verifier) is kept.
final class FileCache<Content: Sendable>: Sendable {
    struct Entry: Sendable {
        var path: String
        var identity: FileIdentity
        var bytes: [UInt8]
        var content: Result<Content, StoreError>
        var racy: Bool
        /// For account files: the verifier of a password that matched these very bytes.
        var plainVerifier: [UInt8]?
    }

    /// What a lookup found.
    struct Loaded {
        var content: Content
        var bytes: [UInt8]
        var plainVerifier: [UInt8]?
    }

    /// How long after a file's last change its cache entry stays racy (nanoseconds).
    static var racyMargin: Int64 { 2_000_000_000 }

    /// Most records kept. The cache spares a read and a parse per login; beyond this many
    /// users an arbitrary entry makes way, so memory stays bounded on a large store.
    static var maximumEntries: Int { 1024 }

    private static func makeRoom(in entries: inout [Username: Entry], for user: Username) {
        if entries.count >= maximumEntries, entries[user] == nil, let victim = entries.keys.first {
            entries.removeValue(forKey: victim)
        }
    }

    private let entries = Mutex<[Username: Entry]>([:])
    private let limit: Int
    /// The file of a user.
    let path: @Sendable (Username) -> String
    private let parse: @Sendable ([UInt8], String, Username) throws(StoreError) -> Content
    private let corrupt: @Sendable (StoreError, Username) -> Void

    init(
        limit: Int, path: @escaping @Sendable (Username) -> String, parse: @escaping @Sendable ([UInt8], String, Username) throws(StoreError) -> Content,
        corrupt: @escaping @Sendable (StoreError, Username) -> Void
    ) {
        self.limit = limit
        self.path = path
        self.parse = parse
        self.corrupt = corrupt
    }

    /// The current content of `path` for `user`; nil when the file does not exist.
    /// `forceRead` re-reads the bytes even for a clean entry (read-modify-write).
    func load(_ user: Username, forceRead: Bool = false) throws(StoreError) -> Loaded? {
        let cached = entries.withLock { $0[user] }
        let path = cached?.path ?? self.path(user)
        guard let identity = try Posix.identity(path) else {
            remove(user)
            return nil
        }
        if let cached, !forceRead, !cached.racy, cached.identity == identity {
            return Loaded(content: try cached.content.get(), bytes: cached.bytes, plainVerifier: cached.plainVerifier)
        }
        guard let (bytes, readIdentity) = try Posix.readFile(path, limit: limit) else {
            remove(user)
            return nil
        }
        let racy = Self.isRacy(readIdentity)
        if let cached, cached.bytes == bytes {
            entries.withLock { entries in
                guard entries[user]?.bytes == bytes else { return }
                entries[user]?.identity = readIdentity
                entries[user]?.racy = racy
            }
            return Loaded(content: try cached.content.get(), bytes: bytes, plainVerifier: cached.plainVerifier)
        }
        let content: Result<Content, StoreError>
        do {
            content = .success(try parse(bytes, path, user))
        } catch {
            content = .failure(error)
            corrupt(error, user)
        }
        entries.withLock {
            Self.makeRoom(in: &$0, for: user)
            $0[user] = Entry(path: path, identity: readIdentity, bytes: bytes, content: content, racy: racy, plainVerifier: nil)
        }
        return Loaded(content: try content.get(), bytes: bytes, plainVerifier: nil)
    }

    /// Records what this process just wrote (under the write lock).
    func store(_ user: Username, content: Content, bytes: [UInt8], identity: FileIdentity) {
        entries.withLock {
            Self.makeRoom(in: &$0, for: user)
            $0[user] = Entry(
                path: path(user), identity: identity, bytes: bytes, content: .success(content), racy: Self.isRacy(identity),
                plainVerifier: nil)
        }
    }

    /// Remembers that `verifier` matched the file whose bytes are `bytes`.
    func setVerifier(_ verifier: [UInt8], for user: Username, bytes: [UInt8]) {
        entries.withLock { entries in
            if entries[user]?.bytes == bytes { entries[user]?.plainVerifier = verifier }
        }
    }

    func remove(_ user: Username) {
        entries.withLock { _ = $0.removeValue(forKey: user) }
    }

    /// Whether a file with `identity`, read now, may still change without a visible
    /// change of its identity.
    static func isRacy(_ identity: FileIdentity) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nowNanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        let latest = max(
            identity.modified.seconds * 1_000_000_000 + identity.modified.nanoseconds,
            identity.changed.seconds * 1_000_000_000 + identity.changed.nanoseconds)
        return nowNanoseconds < latest + racyMargin
    }
}
