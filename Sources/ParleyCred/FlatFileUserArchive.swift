import Foundation
import Logging
import ParleyCore
import Synchronization

/// Each user's one-to-one messages (XEP-0313 for accounts) as human-readable files
/// (docs/storage.md): one folder per user under `storage/user-archive/`, holding the same
/// `ArchiveSegments` as the rooms' archive (one `ArchiveLine` per message, with its sender,
/// recipient and native payloads) and `prefs`, the user's archiving preferences
/// (XEP-0313 §6), written atomically.
public final class FlatFileUserArchive: UserArchive {
    let files: ArchiveSegments
    let domain: String
    private let natives: (any NativePayloadText)?
    private let logger: Logger
    /// Preferences read so far, by user: every routed message asks.
    private let preferenceCache = Mutex<[Username: ArchivePreferences]>([:])
    /// Users whose preferences are cached at most; the cache empties past it.
    static let maximumCachedPreferences = 10_000
    /// Largest preferences file read, and most addresses on each list.
    static let maximumPreferencesBytes = 256 * 1024
    static let maximumListedAddresses = 1_000

    /// Opens (and creates when missing) the archive in `directory` for users of `domain`,
    /// keeping `natives`' payloads in their own form.
    public init(
        directory: String, domain: String, maxMessages: Int = 10_000, maxAge: TimeInterval? = nil,
        natives: (any NativePayloadText)? = nil, logger: Logger = Logger(label: "parley.user-archive"),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(StoreError) {
        self.files = try ArchiveSegments(directory: directory, maxMessages: maxMessages, maxAge: maxAge, clock: clock)
        self.domain = domain
        self.natives = natives
        self.logger = logger
    }

    public func append(_ message: ArchivedMessage, for user: Username) {
        do {
            try files.append(ArchiveLine.encode(message, natives: natives), to: name(of: user))
        } catch {
            logger.error("a message could not be archived", metadata: ["user": "\(user)", "error": "\(error)"])
        }
    }

    public func query(_ user: Username, _ query: ArchiveQuery) throws(ArchiveQueryError) -> ArchivePage {
        let owner = UserID(user, domain: domain)
        return try query.page(of: files.messages(of: name(of: user)) { [natives] in ArchiveLine.decode($0, owner: owner, natives: natives) })
    }

    public func removeArchive(of user: Username) {
        _ = try? Posix.remove(preferencesPath(of: user))
        preferenceCache.withLock { $0[user] = nil }
        files.remove(name(of: user))
    }

    // MARK: Preferences (XEP-0313 §6)

    public func preferences(of user: Username) -> ArchivePreferences {
        if let cached = preferenceCache.withLock({ $0[user] }) { return cached }
        let read = readPreferences(of: user)
        cache(read, of: user)
        return read
    }

    public func setPreferences(_ preferences: ArchivePreferences, of user: Username) throws(ArchiveQueryError) {
        var text = "# parley-archive-preferences 1\ndefault=\(preferences.default.rawValue)\n"
        for (key, list) in [("always", preferences.always), ("never", preferences.never)] {
            for address in list.sorted().prefix(Self.maximumListedAddresses) {
                text += "\(key)=\(TextFormat.escape(address.description))\n"
            }
        }
        do {
            try Posix.makeDirectory(files.folder(name(of: user)))
            _ = try Posix.writeAtomically(Array(text.utf8), to: preferencesPath(of: user), directory: files.folder(name(of: user)))
        } catch {
            throw .unavailable("\(error)")
        }
        cache(preferences, of: user)
    }

    private func cache(_ preferences: ArchivePreferences, of user: Username) {
        preferenceCache.withLock { cache in
            if cache.count >= Self.maximumCachedPreferences { cache.removeAll(keepingCapacity: true) }
            cache[user] = preferences
        }
    }

    private func readPreferences(of user: Username) -> ArchivePreferences {
        var preferences = ArchivePreferences()
        guard let bytes = try? Posix.readFile(preferencesPath(of: user), limit: Self.maximumPreferencesBytes)?.bytes else {
            return preferences
        }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "="), let value = TextFormat.unescape(line[line.index(after: equals)...]) else {
                continue
            }
            switch line[..<equals] {
            case "default": preferences.default = ArchivePreferences.Default(rawValue: value) ?? .always
            case "always": if let address = UserID(parsing: value) { preferences.always.insert(address) }
            case "never": if let address = UserID(parsing: value) { preferences.never.insert(address) }
            default: continue
            }
        }
        return preferences
    }

    private func name(of user: Username) -> String { FileSafeName.encode(user) }
    private func preferencesPath(of user: Username) -> String { "\(files.folder(name(of: user)))/prefs" }
}
