import Logging

// CONTRACT STUB (lead): the helper owning the connection pool replaces this file's bodies;
// the signatures are what the checker and the group source use.

/// Directory operations over a pool of libldap connections, run on the pool's own
/// threads so that no call ever blocks an event loop.
public final class LDAPDirectory: Sendable {
    public let settings: LDAPSettings

    public init(settings: LDAPSettings, logger: Logger) {
        self.settings = settings
    }

    /// Searches as the service account (`bind-dn`, or anonymously); more than `sizeLimit`
    /// entries throws `.sizeLimitExceeded`. `attributes` empty asks for none ("1.1").
    public func search(base: String, scope: LDAPScope, filter: String, attributes: [String], sizeLimit: Int)
        async throws(LDAPError) -> [LDAPEntry]
    {
        throw .operation(code: -1, message: "not implemented yet")
    }

    /// A simple bind (RFC 4513 §5.1.3) as `dn`: true when the server accepts the password,
    /// false for invalidCredentials (49). An empty password is false without asking the
    /// server (it would be an unauthenticated bind, RFC 4513 §5.1.2).
    public func bind(dn: String, password: String) async throws(LDAPError) -> Bool {
        throw .operation(code: -1, message: "not implemented yet")
    }

    /// Closes every connection; later calls fail.
    public func shutdown() {}
}
