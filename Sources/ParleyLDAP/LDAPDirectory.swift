import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Directory operations over a pool of libldap connections, run on the pool's own
/// threads so that no call ever blocks an event loop.
///
/// Two pools of up to `poolSize` connections each: one for searches (bound as the service
/// account) and one for user binds. After the server could not be reached, operations
/// fail at once for `retryInterval` seconds; then the next one tries again, so logins work
/// again after the server returns without a restart.
public final class LDAPDirectory: Sendable {
    public let settings: LDAPSettings
    private let health: LDAPServerHealth
    private let searches: LDAPConnectionPool
    private let binds: LDAPConnectionPool

    public init(settings: LDAPSettings, logger: Logger) {
        LDAPDirectory.ignoreSIGPIPE
        self.settings = settings
        self.health = LDAPServerHealth(uri: settings.uri, retryInterval: settings.retryInterval)
        self.searches = LDAPConnectionPool(role: .search, settings: settings, health: health, logger: logger)
        self.binds = LDAPConnectionPool(role: .bind, settings: settings, health: health, logger: logger)
    }

    deinit { shutdown() }

    // COMPAT: libldap writes to its sockets with write(2), which raises SIGPIPE (and kills
    // the process) when the server has closed the connection, for example when an unbind
    // goes to a stopped slapd. Ignore it process-wide, as SwiftNIO does for its sockets.
    private static let ignoreSIGPIPE: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    /// Connections opened so far, both roles together (reused ones are not counted again).
    public var connectionsOpened: Int { health.connectionsOpened }
    /// User binds submitted and not finished, running or waiting (for monitoring).
    public var bindsInFlight: Int { binds.inFlight }

    /// Searches as the service account (`bind-dn`, or anonymously); more than `sizeLimit`
    /// entries throws `.sizeLimitExceeded`. `attributes` empty asks for none ("1.1").
    public func search(base: String, scope: LDAPScope, filter: String, attributes: [String], sizeLimit: Int)
        async throws(LDAPError) -> [LDAPEntry]
    {
        try await searches.run { connection throws(LDAPError) in
            try connection.search(
                base: base, scope: scope, filter: filter, attributes: attributes, sizeLimit: sizeLimit)
        }
    }

    /// A simple bind (RFC 4513 §5.1.3) as `dn`: true when the server accepts the password,
    /// false for invalidCredentials (49). An empty password is false without asking the
    /// server (it would be an unauthenticated bind, RFC 4513 §5.1.2).
    public func bind(dn: String, password: String) async throws(LDAPError) -> Bool {
        guard !password.isEmpty else { return false }
        return try await binds.run { connection throws(LDAPError) in
            try connection.bind(dn: dn, password: password)
        }
    }

    /// Closes every connection; later calls fail.
    public func shutdown() {
        searches.shutdown()
        binds.shutdown()
    }
}
