import Logging
import ParleyCore

/// Joins a realm with an ordered list of credential checkers, as cred's portal does. A
/// protocol adapter turns what the peer sent into `Credentials` and calls `login`; it
/// never reads a password store itself.
///
/// Checkers are tried in order among those that accept the credentials' type. A checker
/// that does not know the user (`CredentialError.unknownUser`) passes to the next one;
/// any other failure (a wrong password for a known user, a disabled account, a corrupt
/// record) stops the login.
public final class Portal<R: Realm>: Sendable {
    /// The realm that hands out avatars.
    public let realm: R
    /// The checkers, in the order they are asked.
    public let checkers: [any CredentialChecker]
    private let logger: Logger

    public init(realm: R, checkers: [any CredentialChecker], logger: Logger = Logger(label: "parley.cred.portal")) {
        self.realm = realm
        self.checkers = checkers
        self.logger = logger
    }

    /// Checks `credentials` and asks the realm for the avatar.
    public func login(_ credentials: any Credentials, mind: R.Mind) async throws(CredentialError) -> Login<R.Avatar> {
        let user = try await authenticate(credentials)
        let anonymous = credentials is AnonymousCredentials
        let granted: (avatar: R.Avatar, logout: @Sendable () async -> Void)
        do {
            granted = try await realm.requestAvatar(for: user, mind: mind, anonymous: anonymous)
        } catch let error as CredentialError {
            logger.notice("login refused by the realm", metadata: ["user": "\(user)", "error": "\(error.logDescription)"])
            throw error
        } catch {
            logger.error("realm failed", metadata: ["user": "\(user)", "error": "\(error)"])
            throw .temporaryFailure("realm: \(error)")
        }
        return Login(avatarID: user, avatar: granted.avatar, anonymous: anonymous, logout: granted.logout)
    }

    /// Runs the checkers only: the account `credentials` prove, without an avatar.
    public func authenticate(_ credentials: any Credentials) async throws(CredentialError) -> Username {
        var failure = CredentialError.unsupportedCredentials(credentials.kindName)
        for checker in checkers where checker.accepts(credentials) {
            do {
                return try await checker.check(credentials)
            } catch where error.fallsThrough {
                failure = error
            } catch {
                logger.notice("login refused", metadata: ["error": "\(error.logDescription)"])
                throw error
            }
        }
        logger.notice("login refused", metadata: ["error": "\(failure.logDescription)"])
        throw failure
    }

    /// The SCRAM record of `user`: the first source (in checker order) that knows them.
    /// nil when none does; a SCRAM exchange then continues with a fake record and fails.
    public func scramRecord(for user: Username, algorithm: SCRAMAlgorithm) async throws(CredentialError)
        -> SCRAMRecord?
    {
        for case let source as any SCRAMRecordSource in checkers {
            if let record = try await source.scramRecord(for: user, algorithm: algorithm) {
                return record
            }
        }
        return nil
    }

    /// The SASL mechanisms to offer over a secure (TLS) transport.
    public var saslMechanisms: [String] { mechanisms(secureTransport: true) }

    /// The SASL mechanisms to offer, strongest first.
    ///
    /// - SCRAM-SHA-256 and SCRAM-SHA-1 when a checker is a `SCRAMRecordSource` and every
    ///   checker that takes passwords is one (a password-only store such as LDAP in the
    ///   chain could not serve SCRAM for its users, so clients must be steered to PLAIN);
    /// - PLAIN when a checker accepts `UsernamePassword` and the transport is secure, or
    ///   `allowPlainWithoutTLS` says clear-text passwords are acceptable (RFC 4616 §6);
    /// - ANONYMOUS when a checker accepts `AnonymousCredentials`.
    public func mechanisms(secureTransport: Bool, allowPlainWithoutTLS: Bool = false) -> [String] {
        var result: [String] = []
        let passwordCheckers = checkers.filter { $0.accepts(UsernamePassword.self) }
        let sources = checkers.filter { $0 is any SCRAMRecordSource }
        if !sources.isEmpty, passwordCheckers.allSatisfy({ $0 is any SCRAMRecordSource }) {
            result += SCRAMAlgorithm.preferenceOrder.map(\.mechanismName)
        }
        if !passwordCheckers.isEmpty, secureTransport || allowPlainWithoutTLS {
            result.append("PLAIN")
        }
        if checkers.contains(where: { $0.accepts(AnonymousCredentials.self) }) {
            result.append("ANONYMOUS")
        }
        return result
    }
}

extension Portal where R.Mind == Void {
    /// Checks `credentials` and asks the realm for the avatar (a realm without a mind).
    public func login(_ credentials: any Credentials) async throws(CredentialError) -> Login<R.Avatar> {
        try await login(credentials, mind: ())
    }
}
