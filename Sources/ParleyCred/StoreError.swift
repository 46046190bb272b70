import ParleyCore

/// Why a store operation failed.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `addAccount` for a name that already has an account.
    case accountExists(Username)
    /// The account does not exist.
    case noSuchAccount(Username)
    /// The password cannot be used (empty, too long, control characters).
    case invalidPassword(String)
    /// A file does not follow its format; `line` is 1-based (0: the file as a whole).
    case corruptFile(path: String, line: Int, reason: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)

    /// The file concerned, when there is one.
    public var path: String? {
        switch self {
        case .corruptFile(let path, _, _), .io(_, let path, _): path
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .accountExists(let user): "account '\(user)' already exists"
        case .noSuchAccount(let user): "no account '\(user)'"
        case .invalidPassword(let why): "invalid password: \(why)"
        case .corruptFile(let path, let line, let reason):
            line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
        case .io(let operation, let path, let code): "\(operation) \(path): \(Posix.errorString(code))"
        }
    }
}

/// Account management, on top of which `parleyd user add|passwd|del|list` is built.
/// Implementations store SCRAM keys only, never a clear password.
public protocol AccountStore: Sendable {
    /// Creates `user` with `password`; fails with `.accountExists` if there is one.
    func addAccount(_ user: Username, password: String) throws(StoreError)
    /// Replaces the password (new salt, new keys); fails with `.noSuchAccount`.
    func setPassword(_ user: Username, password: String) throws(StoreError)
    /// Deletes the account and its contact list; fails with `.noSuchAccount`.
    func removeAccount(_ user: Username) throws(StoreError)
    /// Every account, sorted.
    func listAccounts() throws(StoreError) -> [Username]
    /// Whether `user` has an account.
    func accountExists(_ user: Username) throws(StoreError) -> Bool
}
