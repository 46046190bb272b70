import Dispatch
import ParleyCore
import ParleyCred
import Synchronization

/// The `passwd-file:PATH` auth kind: a read-only file of `name:hash` lines, the hash in
/// crypt(3) format (`openssl passwd -6`, `mkpasswd`), checked with libxcrypt's crypt_r.
///
/// The file is read when the kind is made (a bad line refuses the `--auth` string) and
/// again whenever its inode, size or mtime changes. In a chain it follows the
/// `CredentialChecker` contract: an unknown user falls through to the next store, a wrong
/// password stops the login, an unreadable (or, after an edit, unparsable) file is a
/// temporary failure that names it. It holds no SCRAM keys, so only PLAIN is offered for
/// its users.
public final class PasswdFileStore: CredentialChecker {
    public let path: String
    private let snapshot: Mutex<(file: PasswdFile, stamp: FileStamp)>

    public var acceptedCredentials: [any Credentials.Type] { [UsernamePassword.self] }

    /// Reads `path`; throws "PATH:LINE: reason" for a bad line, or why the file is unreadable.
    public init(path: String) throws {
        self.path = path
        snapshot = Mutex(try PasswdFile.read(path))
    }

    public func check(_ credentials: any Credentials) async throws(CredentialError) -> Username {
        guard let given = credentials as? UsernamePassword else {
            throw .unsupportedCredentials(String(describing: type(of: credentials)))
        }
        let hashes = try currentHashes()
        guard let user = Username(given.username), let hash = hashes[user] else {
            throw .unknownUser(given.username)
        }
        let password = try OpaqueString.prepare(given.password)
        // A crypt(3) hash costs milliseconds (yescrypt also memory): off the caller's
        // executor, which may be an event loop.
        let matches = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Crypt.verify(password, against: hash)) }
        }
        guard matches else { throw .wrongPassword(user) }
        return user
    }

    /// The hashes of the file as it is now: re-read when its stamp changed.
    private func currentHashes() throws(CredentialError) -> [Username: String] {
        guard let stamp = FileStamp.current(path) else {
            throw .temporaryFailure("passwd-file \(path) cannot be read")
        }
        if let unchanged = snapshot.withLock({ $0.stamp == stamp ? $0.file.hashes : nil }) { return unchanged }
        do {
            let fresh = try PasswdFile.read(path)
            snapshot.withLock { $0 = fresh }
            return fresh.file.hashes
        } catch {
            throw .temporaryFailure("passwd-file \(error)")
        }
    }
}

extension PasswdFileStore {
    /// The kind's name on the command line: `--auth passwd-file:PATH`.
    public static let kind = "passwd-file"

    /// Registers `passwd-file:PATH` in `registry`.
    public static func register(in registry: AuthKindRegistry) throws {
        try registry.register(
            kind: kind, summary: "crypt(3) hashes (openssl passwd -6, mkpasswd) in a name:hash file, passwd-file:PATH"
        ) { argument, _ in
            guard let argument, !argument.isEmpty else {
                throw AuthStringError.invalidArgument(kind: kind, message: "needs a file: passwd-file:PATH")
            }
            do {
                return try PasswdFileStore(path: argument)
            } catch {
                throw AuthStringError.invalidArgument(kind: kind, message: "\(error)")
            }
        }
    }
}
