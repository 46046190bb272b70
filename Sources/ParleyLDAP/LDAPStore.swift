import Logging
import ParleyCore
import ParleyCred

/// What `--auth ldap:…` makes: an LDAP credential checker (bind mode) that is also the
/// source of shared contact lists when `group-base` is set (without it, no user has
/// shared contacts). Making one never connects: `parleyd` starts while the directory is
/// down, and logins fail with temporary-auth-failure until it answers.
public final class LDAPStore: CredentialChecker, SharedGroupSource {
    /// The parsed settings.
    public let settings: LDAPSettings
    /// The directory (connection pool) both parts use.
    public let directory: LDAPDirectory
    /// The credential checker.
    public let checker: LDAPChecker
    /// The shared groups; nil when `group-base` is not set.
    public let groups: LDAPSharedGroups?

    public init(settings: LDAPSettings, logger: Logger = Logger(label: "parley.ldap")) {
        self.settings = settings
        self.directory = LDAPDirectory(settings: settings, logger: logger)
        self.checker = LDAPChecker(directory: directory, logger: logger)
        self.groups = settings.groupBase == nil ? nil : LDAPSharedGroups(directory: directory, logger: logger)
        logger.info("LDAP store configured", metadata: ["settings": "\(settings.logSummary)"])
    }

    deinit { directory.shutdown() }

    public var acceptedCredentials: [any Credentials.Type] { checker.acceptedCredentials }

    public func check(_ credentials: any Credentials) async throws(CredentialError) -> Username {
        try await checker.check(credentials)
    }

    public func sharedContacts(of user: Username) async throws -> (contacts: [SharedContact], generation: UInt32) {
        guard let groups else { return ([], 0) }
        return try await groups.sharedContacts(of: user)
    }
}
