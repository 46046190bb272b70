import Logging
import ParleyCore
import ParleyCred

/// Checks user names and passwords against an LDAP directory in bind mode: the password
/// is proved by a simple bind as the user's entry (RFC 4513 §5.1.3), so Parley never sees
/// a password hash.
///
/// - Search mode (`base`): the service account searches `base` (subtree) with the filter,
///   `%u` replaced by the normalized user name escaped for a filter (RFC 4515 §3). No
///   entry is `unknownUser` (a store chain goes on to the next store), two or more is a
///   temporary failure (the directory is ambiguous), one is bound as.
/// - Template mode (`dn-template`): the DN is built from the template with the name
///   escaped as an RDN value (RFC 4514 §2.4) and bound as directly. A refused bind is
///   `unknownUser`, not `wrongPassword`: LDAP answers invalidCredentials (49) both for a
///   missing entry and for a wrong password (RFC 4511 §4.2.2 leaves them alike on
///   purpose), and a chain must be able to go on to its next store. Put a template-mode
///   store last in a chain, or use search mode, when a wrong password must stop there.
///
/// Only `UsernamePassword` is accepted: a bind needs the password itself, so this checker
/// is no `SCRAMRecordSource` and the portal offers PLAIN only (over TLS).
///
/// Any directory failure (unreachable, timeout, busy, TLS) is a temporary failure, logged
/// at warning with the URI; the password is never logged.
public final class LDAPChecker: CredentialChecker {
    /// The directory searched and bound against.
    public let directory: LDAPDirectory
    private let settings: LDAPSettings
    private let logger: Logger

    public var acceptedCredentials: [any Credentials.Type] { [UsernamePassword.self] }

    public init(directory: LDAPDirectory, logger: Logger = Logger(label: "parley.ldap")) {
        self.directory = directory
        self.settings = directory.settings
        self.logger = logger
    }

    public func check(_ credentials: any Credentials) async throws(CredentialError) -> Username {
        guard let plain = credentials as? UsernamePassword else {
            throw .unsupportedCredentials(String(describing: type(of: credentials)))
        }
        guard let user = Username(plain.username) else { throw .unknownUser(plain.username) }
        do {
            if let template = settings.dnTemplate {
                return try await checkTemplate(user, password: plain.password, template: template)
            }
            return try await checkSearch(user, password: plain.password)
        } catch let error as CredentialError {
            throw error
        } catch let error as LDAPError {
            logger.warning(
                "LDAP check failed", metadata: ["uri": "\(settings.uri)", "user": "\(user)", "error": "\(error)"])
            throw .temporaryFailure(error.description)
        } catch {
            throw .temporaryFailure("\(error)")
        }
    }

    /// Template mode: bind as the DN the template gives.
    private func checkTemplate(_ user: Username, password: String, template: String) async throws -> Username {
        let dn = template.replacing("%u", with: LDAPEscaping.dnValue(user.value))
        // An empty password would be an unauthenticated bind (RFC 4513 §5.1.2): refused
        // without asking, as unknown (a template cannot tell whether the entry exists).
        guard !password.isEmpty, try await directory.bind(dn: dn, password: password) else {
            throw CredentialError.unknownUser(user.value)
        }
        return user
    }

    /// Search mode: find the one entry, then bind as it.
    private func checkSearch(_ user: Username, password: String) async throws -> Username {
        let filter = settings.effectiveFilter.replacing("%u", with: LDAPEscaping.filterValue(user.value))
        guard let entries = try await findEntries(filter) else { return try ambiguous(user, filter: filter) }
        switch entries.count {
        case 0:
            throw CredentialError.unknownUser(user.value)
        case 1:
            guard !password.isEmpty, try await directory.bind(dn: entries[0].dn, password: password) else {
                throw CredentialError.wrongPassword(user)
            }
            return user
        default:
            return try ambiguous(user, filter: filter)
        }
    }

    /// The entries `filter` matches under `base`, at most two; nil when there are more.
    private func findEntries(_ filter: String) async throws(LDAPError) -> [LDAPEntry]? {
        do {
            return try await directory.search(
                base: settings.base ?? "", scope: .subtree, filter: filter, attributes: [], sizeLimit: 2)
        } catch {
            if case .sizeLimitExceeded = error { return nil }
            throw error
        }
    }

    /// Several entries match: the directory or the filter is wrong, not the user.
    private func ambiguous(_ user: Username, filter: String) throws(CredentialError) -> Username {
        logger.warning(
            "LDAP user matches several entries",
            metadata: ["uri": "\(settings.uri)", "user": "\(user)", "filter": "\(filter)"])
        throw .temporaryFailure("LDAP user '\(user)' matches several entries")
    }
}
