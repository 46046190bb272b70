import Crypto
import ParleyCore

/// Accounts held in memory, from `--auth memory:user:pass,…`: for tests, demos and bots.
/// SCRAM records for both algorithms are derived once, at construction; the clear
/// passwords are not kept. Contact lists live in memory too.
public final class InMemoryChecker: CredentialChecker, SCRAMRecordSource, ContactListStore {
    struct Account: Sendable {
        var records: [SCRAMAlgorithm: SCRAMRecord]
        /// HMAC(process secret, salt ∥ password): checks PLAIN without PBKDF2.
        var plainVerifier: [UInt8]
    }

    private let accounts: [Username: Account]
    private let contacts = InMemoryContactListStore()

    public var acceptedCredentials: [any Credentials.Type] { [UsernamePassword.self, SCRAMProof.self] }

    /// Why the account list was refused.
    public enum ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The entry at this 1-based position has an unusable name.
        case invalidUsername(index: Int, name: String)
        /// The entry at this position has an unusable password.
        case invalidPassword(index: Int, name: String, reason: String)
        /// The name appears twice.
        case duplicate(index: Int, name: String)

        public var description: String {
            switch self {
            case .invalidUsername(let index, let name): "entry \(index) has an invalid user name '\(name)'"
            case .invalidPassword(let index, let name, let reason): "entry \(index) ('\(name)'): \(reason)"
            case .duplicate(let index, let name): "entry \(index): user '\(name)' is listed twice"
            }
        }
    }

    /// Accounts from (user, password) pairs, in order.
    public init(accounts list: [(username: String, password: String)], iterations: Int = SCRAMRecord.defaultIterations)
        throws(ConfigurationError)
    {
        var accounts: [Username: Account] = [:]
        for (offset, entry) in list.enumerated() {
            let index = offset + 1
            guard let user = Username(entry.username) else { throw .invalidUsername(index: index, name: entry.username) }
            guard accounts[user] == nil else { throw .duplicate(index: index, name: user.value) }
            do {
                let prepared = try OpaqueString.prepare(entry.password)
                var records: [SCRAMAlgorithm: SCRAMRecord] = [:]
                for algorithm in SCRAMAlgorithm.allCases {
                    records[algorithm] = try SCRAMRecord.derive(
                        password: entry.password, iterations: iterations, algorithm: algorithm)
                }
                let salt = records[.sha256]!.salt
                accounts[user] = Account(
                    records: records, plainVerifier: PlainVerifier.make(salt: salt, preparedPassword: prepared))
            } catch {
                throw .invalidPassword(index: index, name: user.value, reason: error.logDescription)
            }
        }
        self.accounts = accounts
    }

    /// The configured names, sorted.
    public var usernames: [Username] { accounts.keys.sorted() }

    public func check(_ credentials: any Credentials) async throws(CredentialError) -> Username {
        switch credentials {
        case let password as UsernamePassword:
            guard let user = Username(password.username), let account = accounts[user] else {
                throw .unknownUser(password.username)
            }
            let prepared = try OpaqueString.prepare(password.password)
            let candidate = PlainVerifier.make(salt: account.records[.sha256]!.salt, preparedPassword: prepared)
            guard Bytes.constantTimeEqual(candidate, account.plainVerifier) else { throw .wrongPassword(user) }
            return user
        case let proof as SCRAMProof:
            guard let user = Username(proof.username), let record = accounts[user]?.records[proof.algorithm] else {
                throw .unknownUser(proof.username)
            }
            guard record.verify(clientProof: proof.clientProof, authMessage: proof.authMessage) else {
                throw .wrongPassword(user)
            }
            return user
        default:
            throw .unsupportedCredentials(credentials.kindName)
        }
    }

    public func scramRecord(for user: Username, algorithm: SCRAMAlgorithm) async throws(CredentialError) -> SCRAMRecord? {
        accounts[user]?.records[algorithm]
    }

    public func contactList(of user: Username) async throws -> ContactList {
        try await contacts.contactList(of: user)
    }

    public func updateContactList<Result: Sendable>(
        of user: Username, _ change: @Sendable (inout ContactList) throws -> Result
    ) async throws -> Result {
        try await contacts.updateContactList(of: user, change)
    }
}

/// Hands every `AnonymousCredentials` a fresh name (RFC 4505): `anon` and 11 random base32
/// characters (55 bits), 15 bytes in all, which Swift keeps inside the string value itself,
/// so an idle guest connection holds no heap block for its name.
public struct AnonymousChecker: CredentialChecker {
    public var acceptedCredentials: [any Credentials.Type] { [AnonymousCredentials.self] }

    public init() {}

    public func check(_ credentials: any Credentials) async throws(CredentialError) -> Username {
        guard credentials is AnonymousCredentials else { throw .unsupportedCredentials(credentials.kindName) }
        guard let user = Username("anon" + Bytes.randomBase32(11)) else {
            throw .temporaryFailure("could not make an anonymous name")
        }
        return user
    }
}

/// The PLAIN fast path: a per-process keyed hash of a password that was once verified
/// against a record's keys, HMAC-SHA256(process secret, label ∥ len(salt) ∥ salt ∥
/// len(password) ∥ password). Comparing against it costs one HMAC instead of a PBKDF2.
enum PlainVerifier {
    /// HMAC is a value type: keying it once and copying it saves the key schedule.
    struct Keyed: @unchecked Sendable {
        let hmac: HMAC<SHA256>
    }

    static let keyed: Keyed = {
        var hmac = HMAC<SHA256>(key: ProcessSecrets.secret.key)
        hmac.update(data: Array("parley-plain-verifier-v1".utf8))
        return Keyed(hmac: hmac)
    }()

    static func make(salt: [UInt8], preparedPassword: [UInt8]) -> [UInt8] {
        preparedPassword.withUnsafeBytes { Array(mac(salt: salt, password: $0)) }
    }

    static func mac(salt: [UInt8], password: UnsafeRawBufferPointer) -> HashedAuthenticationCode<SHA256> {
        var hmac = keyed.hmac
        withUnsafeBytes(of: UInt32(salt.count).bigEndian) { hmac.update(data: $0) }
        hmac.update(data: salt)
        withUnsafeBytes(of: UInt32(password.count).bigEndian) { hmac.update(data: $0) }
        hmac.update(data: password)
        return hmac.finalize()
    }

    /// Whether `password` (already prepared) gives `verifier`, in constant time.
    static func matches(_ verifier: [UInt8], salt: [UInt8], password: UnsafeRawBufferPointer) -> Bool {
        mac(salt: salt, password: password).withUnsafeBytes { Bytes.constantTimeEqual($0, verifier) }
    }
}
