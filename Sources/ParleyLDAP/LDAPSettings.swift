/// What an `ldap:` auth string configures: the server and TLS, how a user's entry is found
/// and their password checked (bind mode), the connection pool and its time limits, and
/// the groups that become shared contact lists. The string syntax and every key are in
/// docs/ldap.md; `LDAPSettings(parsing:)` reads it.
public struct LDAPSettings: Sendable, Hashable {
    /// How a user's display name and membership are written in a group entry.
    public enum MemberFormat: String, Sendable, Hashable, CaseIterable {
        /// The member attribute holds entry DNs (`groupOfNames` `member`).
        case dn
        /// The member attribute holds user names (`posixGroup` `memberUid`).
        case uid
    }

    // MARK: Server and TLS

    /// `uri`: `ldap://host[:port]` or `ldaps://host[:port]` (RFC 4516, no DN part).
    public var uri: String
    /// `starttls`: upgrade an `ldap://` connection with StartTLS (RFC 4511 §4.14) and fail
    /// when the server cannot.
    public var startTLS = false
    /// `ca-file`: PEM certificates that the server's certificate must chain to (ldaps or
    /// StartTLS); the system's roots when nil.
    public var caFile: String?
    /// `tls-verify`: whether the server's certificate is checked (`yes`, the default, or `no`).
    public var verifyCertificate = true

    // MARK: Finding and checking users (bind mode)

    /// `bind-dn`: the service account that searches; anonymous searches when nil.
    public var bindDN: String?
    /// `bind-password` or `bind-password-file` (its first line).
    public var bindPassword: String?
    /// `base`: where users are searched (subtree).
    public var base: String?
    /// `filter`: the search filter; `%u` stands for the user name, escaped (RFC 4515 §3).
    /// Defaults to `(<user-attribute>=%u)`.
    public var filter: String?
    /// `user-attribute`: the attribute that holds a user name (default `uid`).
    public var userAttribute = "uid"
    /// `dn-template`: bind directly as this DN, `%u` replaced by the user name escaped as
    /// an RDN value (RFC 4514 §2.4); no search. Either this or `base`.
    public var dnTemplate: String?
    /// `name-attribute`: the attribute that holds a display name (default `cn`).
    public var nameAttribute = "cn"

    // MARK: Pool and time limits

    /// `pool`: connections (and threads) per role: searches and binds (default 8).
    public var poolSize = 8
    /// `connect-timeout`: seconds to establish a connection, TLS included (default 3).
    public var connectTimeout = 3.0
    /// `timeout`: seconds for one operation to answer (default 5).
    public var timeout = 5.0
    /// `retry`: after the server could not be reached, seconds during which logins fail at
    /// once instead of trying again (default 2).
    public var retryInterval = 2.0
    /// `max-waiting`: operations that may wait for a free connection; beyond, a login fails
    /// at once as busy (default 1024).
    public var maxWaiting = 1024
    /// `size-limit`: the most entries one listing (users, groups) may return (default 1000).
    public var sizeLimit = 1000

    // MARK: Shared groups (ejabberd's shared roster LDAP)

    /// `group-base`: where groups are searched; shared contact lists are off when nil.
    public var groupBase: String?
    /// `group-filter`: which entries are groups (default `(objectClass=groupOfNames)`).
    public var groupFilter = "(objectClass=groupOfNames)"
    /// `group-name-attribute`: the attribute naming the roster group (default `cn`).
    public var groupNameAttribute = "cn"
    /// `member-attribute`: the attribute listing members (default `member`).
    public var memberAttribute = "member"
    /// `member-format`: `dn` (default) or `uid`.
    public var memberFormat = MemberFormat.dn
    /// `group-refresh`: seconds a fetched set of groups is used before it is fetched again
    /// (default 300).
    public var groupRefresh = 300.0

    /// Settings for `uri` with every other key at its default.
    public init(uri: String) {
        self.uri = uri
    }

    /// The filter in force: `filter`, or `(<user-attribute>=%u)`.
    public var effectiveFilter: String { filter ?? "(\(userAttribute)=%u)" }

    /// Whether the connection is TLS from the first byte.
    public var isLDAPS: Bool { uri.lowercased().hasPrefix("ldaps://") }
}
