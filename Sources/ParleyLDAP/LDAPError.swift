/// Why a directory operation failed. The description is meant for the operator's log;
/// a login that fails this way is `temporary-auth-failure` on the wire.
public enum LDAPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server could not be reached (refused, down, connect timeout); `detail` is
    /// libldap's reason.
    case unreachable(uri: String, detail: String)
    /// The server was reached but did not answer within `seconds`.
    case timeout(operation: String, seconds: Double)
    /// TLS could not be set up: bad CA file, certificate not trusted, StartTLS refused.
    case tls(String)
    /// The server answered with a referral; referrals are never followed.
    case referral(String)
    /// More entries matched than `size-limit` allows.
    case sizeLimitExceeded(limit: Int)
    /// The service account (`bind-dn`) could not bind.
    case serviceBindFailed(dn: String, detail: String)
    /// Too many operations already wait for a connection.
    case busy(waiting: Int)
    /// The server was unreachable a moment ago; it is tried again after `retry` seconds.
    case recentlyUnreachable(uri: String, retryIn: Double)
    /// Any other LDAP result code, with libldap's text.
    case operation(code: Int32, message: String)

    public var description: String {
        switch self {
        case .unreachable(let uri, let detail): "LDAP server \(uri) unreachable: \(detail)"
        case .timeout(let operation, let seconds): "LDAP \(operation) got no answer within \(seconds) s"
        case .tls(let detail): "LDAP TLS failed: \(detail)"
        case .referral(let target): "LDAP referral to \(target) not followed (referrals are off)"
        case .sizeLimitExceeded(let limit): "LDAP search matched more than size-limit (\(limit)) entries"
        case .serviceBindFailed(let dn, let detail): "LDAP service account \(dn) cannot bind: \(detail)"
        case .busy(let waiting): "LDAP busy: \(waiting) operations already wait for a connection"
        case .recentlyUnreachable(let uri, let retry):
            "LDAP server \(uri) was unreachable; next attempt within \(retry) s"
        case .operation(let code, let message): "LDAP error \(code): \(message)"
        }
    }
}
