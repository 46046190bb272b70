import Logging
import ParleyCore
import Synchronization

/// Accounts and contact lists as human-readable files under one directory (default
/// `storage/`): `accounts/<name>.account` holds SCRAM keys for SHA-1 and SHA-256 (never
/// the password) and `contacts/<name>.contacts` the contact list. Formats, the write and
/// lock protocol and hand editing: docs/storage.md.
///
/// - Writes are atomic (temporary file, fsync, rename, fsync of the directory) and
///   serialized per user inside the process and by `flock` on `accounts/.lock` /
///   `contacts/.lock` across processes, so `parleyd user passwd` and a running daemon
///   never lose each other's updates.
/// - Reads are cached by file identity (device, inode, size, mtime and ctime with
///   nanoseconds): one `stat` per lookup sees an edit by hand or by another process
///   (entries younger than the timestamp granularity are confirmed by content; see
///   `FileCache`).
/// - A corrupt account file refuses that account (`temporary-auth-failure`, and an error
///   log line naming the file and line); other accounts are unaffected.
/// - PLAIN: the first successful check of a user costs one PBKDF2 (SHA-256 only); then a
///   keyed verifier bound to the file's contents makes the next checks one `stat` and one
///   HMAC. SCRAM never runs PBKDF2 on the server.
public final class FlatFileStore: CredentialChecker, SCRAMRecordSource, ContactListStore, AccountStore {
    /// The storage directory holding `accounts/` and `contacts/`.
    public let directory: String
    /// The iteration count of new and changed passwords.
    public let iterations: Int
    let accountsDirectory: String
    let contactsDirectory: String
    private let logger: Logger

    private let accounts: FileCache<AccountRecord>
    private let contacts: FileCache<ContactList>
    private let knownNames = Mutex<[String: Username]>([:])
    private let userLocks: [UserLock] = (0..<64).map { _ in UserLock() }
    /// How many PLAIN checks paid a PBKDF2 (the others used the cached verifier).
    let plainDerivations = Atomic<Int>(0)

    /// One stripe of the in-process per-user write locks.
    final class UserLock: Sendable {
        let mutex = Mutex(())
    }

    public var acceptedCredentials: [any Credentials.Type] { [UsernamePassword.self, SCRAMProof.self] }

    /// Opens (and creates when missing) the store under `directory`.
    public init(
        directory: String = "storage", iterations: Int = SCRAMRecord.defaultIterations,
        logger: Logger = Logger(label: "parley.cred.flatfile")
    ) throws(StoreError) {
        guard SCRAMRecord.allowedIterations.contains(iterations) else {
            throw .invalidPassword("iteration count \(iterations) outside \(SCRAMRecord.allowedIterations)")
        }
        let trimmed = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.directory = trimmed
        self.iterations = iterations
        self.accountsDirectory = trimmed + "/accounts"
        self.contactsDirectory = trimmed + "/contacts"
        self.logger = logger
        let accountsDirectory = self.accountsDirectory
        let contactsDirectory = self.contactsDirectory
        self.accounts = FileCache(
            limit: AccountRecord.maximumFileBytes,
            path: { "\(accountsDirectory)/\(FileSafeName.encode($0)).account" },
            parse: { bytes, path, user throws(StoreError) in try AccountRecord.parse(bytes, path: path, expected: user) },
            corrupt: { error, user in
                logger.error(
                    "corrupt account file \(error); account '\(user)' refused until it is fixed",
                    metadata: ["file": "\(error.path ?? "")"])
            })
        self.contacts = FileCache(
            limit: ContactFile.maximumFileBytes,
            path: { "\(contactsDirectory)/\(FileSafeName.encode($0)).contacts" },
            parse: { bytes, path, _ throws(StoreError) in try ContactFile.parse(bytes, path: path) },
            corrupt: { error, user in
                logger.error(
                    "corrupt contact-list file \(error); contact list of '\(user)' unavailable until it is fixed",
                    metadata: ["file": "\(error.path ?? "")"])
            })
        for path in [trimmed, accountsDirectory, contactsDirectory] { try Posix.makeDirectory(path) }
    }

    /// The account file of `user`.
    public func accountPath(for user: Username) -> String { accounts.path(user) }

    /// The contact-list file of `user`.
    public func contactsPath(for user: Username) -> String { contacts.path(user) }

    // MARK: Reading accounts

    private func account(_ user: Username, _ name: String) throws(CredentialError) -> FileCache<AccountRecord>.Loaded {
        do {
            guard let found = try accounts.load(user) else {
                throw CredentialError.unknownUser(name)
            }
            return found
        } catch let error as CredentialError {
            throw error
        } catch {
            throw .temporaryFailure("\(error)")
        }
    }
    // MARK: CredentialChecker

    public func check(_ credentials: any Credentials) async throws(CredentialError) -> Username {
        switch credentials {
        case let plain as UsernamePassword: try checkPlain(plain)
        case let proof as SCRAMProof: try checkProof(proof)
        default: throw .unsupportedCredentials(credentials.kindName)
        }
    }

    /// PLAIN against the SCRAM keys, synchronously (what `check` runs for `UsernamePassword`).
    public func checkPlain(_ credentials: UsernamePassword) throws(CredentialError) -> Username {
        let user = try normalize(credentials.username)
        let loaded = try account(user, credentials.username)
        guard let record = loaded.content.plainRecord else { throw .temporaryFailure("no SCRAM record for '\(user)'") }
        let matched = try OpaqueString.withPrepared(credentials.password) { password throws(CredentialError) in
            if let verifier = loaded.plainVerifier {
                // Fast path: a password was verified against these very file contents before.
                return PlainVerifier.matches(verifier, salt: record.salt, password: password)
            }
            // One PBKDF2, for the PLAIN record only (never both algorithms).
            plainDerivations.add(1, ordering: .relaxed)
            let prepared = Array(password)
            let salted = try record.algorithm.hi(prepared, salt: record.salt, iterations: record.iterations)
            guard Bytes.constantTimeEqual(SCRAMRecord.keys(salted, record.algorithm).storedKey, record.storedKey) else {
                return false
            }
            accounts.setVerifier(
                PlainVerifier.make(salt: record.salt, preparedPassword: prepared), for: user, bytes: loaded.bytes)
            return true
        }
        guard matched else { throw .wrongPassword(user) }
        guard !loaded.content.disabled else { throw .accountDisabled(user) }
        rememberName(credentials.username, user)
        return user
    }

    /// `Username(raw)`, through a small cache of names that logged in (normalization
    /// goes through Foundation and costs more than the rest of a cached PLAIN check).
    private func normalize(_ raw: String) throws(CredentialError) -> Username {
        if let known = knownNames.withLock({ $0[raw] }) { return known }
        guard let user = Username(raw) else { throw .unknownUser(raw) }
        return user
    }

    private func rememberName(_ raw: String, _ user: Username) {
        knownNames.withLock { names in
            guard names[raw] == nil else { return }
            if names.count >= 65_536 { names.removeAll() }
            names[raw] = user
        }
    }

    private func checkProof(_ proof: SCRAMProof) throws(CredentialError) -> Username {
        guard let user = Username(proof.username) else { throw .unknownUser(proof.username) }
        let account = try account(user, proof.username).content
        // RFC 5802 §3: the proof is verified against the stored keys; no PBKDF2.
        guard let record = account.records[proof.algorithm],
            record.verify(clientProof: proof.clientProof, authMessage: proof.authMessage)
        else { throw .wrongPassword(user) }
        guard !account.disabled else { throw .accountDisabled(user) }
        return user
    }

    // MARK: SCRAMRecordSource

    public func scramRecord(for user: Username, algorithm: SCRAMAlgorithm) async throws(CredentialError) -> SCRAMRecord? {
        do {
            return try accounts.load(user)?.content.records[algorithm]
        } catch {
            throw .temporaryFailure("\(error)")
        }
    }

    // MARK: Writing

    private func withUserLock<Result>(_ user: Username, _ body: () throws -> Result) throws -> Result {
        let stripe = userLocks[Int(UInt(bitPattern: user.hashValue) % UInt(userLocks.count))]
        return try stripe.mutex.withLock { _ in try body() }
    }

    /// Runs `body` holding the per-user lock and the directory's `flock`, mapping errors.
    private func locked<Result>(_ user: Username, _ lockDirectory: String, _ body: () throws -> Result) throws(StoreError)
        -> Result
    {
        do {
            return try withUserLock(user) { try Posix.withFileLock(lockDirectory + "/.lock", body) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .io(operation: "lock", path: lockDirectory, errno: 0)
        }
    }

    /// Writes `record` (caller holds the accounts lock).
    private func writeAccount(_ record: AccountRecord) throws(StoreError) {
        let bytes = record.serialized()
        let identity = try Posix.writeAtomically(bytes, to: accountPath(for: record.username), directory: accountsDirectory)
        accounts.store(record.username, content: record, bytes: bytes, identity: identity)
    }

    /// The account of `user` read afresh (caller holds the accounts lock).
    private func currentAccount(_ user: Username) throws(StoreError) -> AccountRecord {
        guard let loaded = try accounts.load(user, forceRead: true) else {
            throw .noSuchAccount(user)
        }
        return loaded.content
    }

    // MARK: AccountStore

    public func addAccount(_ user: Username, password: String) throws(StoreError) {
        // Derive before taking the lock: PBKDF2 must not hold up other writers.
        let record = try AccountRecord.derive(user, password: password, iterations: iterations)
        try locked(user, accountsDirectory) {
            guard try Posix.identity(accountPath(for: user)) == nil else { throw StoreError.accountExists(user) }
            try writeAccount(record)
        }
        logger.notice("account added", metadata: ["user": "\(user)"])
    }

    public func setPassword(_ user: Username, password: String) throws(StoreError) {
        var record = try AccountRecord.derive(user, password: password, iterations: iterations)
        try locked(user, accountsDirectory) {
            do {
                record.disabled = try currentAccount(user).disabled
            } catch StoreError.corruptFile(let path, let line, let reason) {
                // A new password is how an administrator repairs a broken file.
                logger.warning(
                    "replacing corrupt account file \(path):\(line) (\(reason)) with a new password",
                    metadata: ["user": "\(user)"])
            }
            try writeAccount(record)
        }
        logger.notice("password changed", metadata: ["user": "\(user)"])
    }

    /// Disables or re-enables `user`: a disabled account is refused with account-disabled
    /// once its credentials have been verified.
    public func setDisabled(_ user: Username, _ disabled: Bool) throws(StoreError) {
        try locked(user, accountsDirectory) {
            var record = try currentAccount(user)
            record.disabled = disabled
            try writeAccount(record)
        }
        logger.notice(disabled ? "account disabled" : "account enabled", metadata: ["user": "\(user)"])
    }

    public func removeAccount(_ user: Username) throws(StoreError) {
        try locked(user, accountsDirectory) {
            guard try Posix.remove(accountPath(for: user)) else { throw StoreError.noSuchAccount(user) }
            try Posix.syncDirectory(accountsDirectory)
            accounts.remove(user)
            // Lock order: accounts, then contacts.
            try Posix.withFileLock(contactsDirectory + "/.lock") {
                if try Posix.remove(contactsPath(for: user)) { try Posix.syncDirectory(contactsDirectory) }
                contacts.remove(user)
            }
        }
        logger.notice("account removed", metadata: ["user": "\(user)"])
    }

    public func listAccounts() throws(StoreError) -> [Username] {
        var users: [Username] = []
        for name in try Posix.directoryEntries(accountsDirectory) {
            // Skips `.lock`, temporary files (`….account.tmp-…`) and anything else.
            guard !name.hasPrefix("."), name.hasSuffix(".account") else { continue }
            let stem = name.dropLast(".account".count)
            if let user = FileSafeName.decode(stem) {
                users.append(user)
            } else if let (bytes, _) = try Posix.readFile(
                "\(accountsDirectory)/\(name)", limit: AccountRecord.maximumFileBytes),
                let record = try? AccountRecord.parse(bytes, path: name, expected: nil),
                FileSafeName.encode(record.username) == stem
            {
                // A long name is stored under a hashed file name: the file says whose it is.
                users.append(record.username)
            }
        }
        return users.sorted()
    }

    public func accountExists(_ user: Username) throws(StoreError) -> Bool {
        try Posix.identity(accountPath(for: user)) != nil
    }

    // MARK: ContactListStore

    public func contactList(of user: Username) async throws -> ContactList {
        try contacts.load(user)?.content ?? ContactList()
    }

    public func updateContactList<Result: Sendable>(
        of user: Username, _ change: @Sendable (inout ContactList) throws -> Result
    ) async throws -> Result {
        let path = contactsPath(for: user)
        return try withUserLock(user) {
            try Posix.withFileLock(contactsDirectory + "/.lock") {
                // Read-modify-write under both locks, from the file itself: no update is lost.
                var list = try contacts.load(user, forceRead: true)?.content ?? ContactList()
                let before = list
                let result = try change(&list)
                if list != before {
                    let bytes = ContactFile.serialize(list)
                    let identity = try Posix.writeAtomically(bytes, to: path, directory: contactsDirectory)
                    contacts.store(user, content: list, bytes: bytes, identity: identity)
                }
                return result
            }
        }
    }
}
