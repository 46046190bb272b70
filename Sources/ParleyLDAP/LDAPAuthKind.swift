import ParleyCred

/// Registers the `ldap` auth kind: `--auth ldap:uri=…;base=…` (or `dn-template=…`) makes
/// an `LDAPStore`. The argument's keys are in docs/ldap.md.
public enum LDAPAuthKind {
    /// The kind's name on the command line.
    public static let name = "ldap"
    /// The one-line summary `parleyd` lists with the known kinds.
    public static let summary = "bind mode against an LDAP directory, ldap:uri=…;base=…|dn-template=… (docs/ldap.md)"

    /// Adds `ldap` to `registry`; throws when it is already there.
    public static func register(in registry: AuthKindRegistry) throws {
        try registry.register(kind: name, summary: summary) { argument, context in
            try makeStore(argument, context: context)
        }
    }

    /// The store an `ldap:` argument describes; errors name the key at fault.
    public static func makeStore(_ argument: String?, context: AuthContext) throws(AuthStringError) -> LDAPStore {
        guard let argument, !argument.isEmpty else {
            throw .invalidArgument(kind: name, message: LDAPSettingsError.empty.description)
        }
        do {
            return LDAPStore(settings: try LDAPSettings(parsing: argument), logger: context.logger)
        } catch {
            throw .invalidArgument(kind: name, message: error.description)
        }
    }
}
