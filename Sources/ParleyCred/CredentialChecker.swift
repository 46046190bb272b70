import ParleyCore

/// Decides whether credentials are valid and, if so, whose they are — a checker in
/// Twisted's cred. Each one declares the credential types it accepts; the portal only
/// hands it those.
///
/// Contract for stores in a chain (`--auth ldap:… --auth file:…`): throw
/// `CredentialError.unknownUser` when the user is not in this store (the portal then asks
/// the next checker), `.wrongPassword` when the user exists and the secret is wrong (the
/// portal stops), and `.temporaryFailure` when the record cannot be read.
public protocol CredentialChecker: Sendable {
    /// The concrete `Credentials` types `check` understands.
    var acceptedCredentials: [any Credentials.Type] { get }

    /// Verifies `credentials` and returns the normalized name of the account they prove.
    func check(_ credentials: any Credentials) async throws(CredentialError) -> Username
}

extension CredentialChecker {
    /// Whether `credentials` is of a type this checker declares.
    public func accepts(_ credentials: any Credentials) -> Bool {
        accepts(type(of: credentials))
    }

    /// Whether credentials of `type` are among those this checker declares.
    public func accepts(_ type: any Credentials.Type) -> Bool {
        let wanted = ObjectIdentifier(type)
        return acceptedCredentials.contains { ObjectIdentifier($0) == wanted }
    }
}

/// A store that holds SCRAM keys (RFC 5802 §3: salt, iteration count, StoredKey,
/// ServerKey), so that a SCRAM server exchange can run against it without the password.
/// Such a store must also accept `SCRAMProof` credentials.
public protocol SCRAMRecordSource: Sendable {
    /// The record of `user` for `algorithm`; nil when this store has no such user (or no
    /// key for that algorithm). Throws only when the record exists but cannot be used.
    func scramRecord(for user: Username, algorithm: SCRAMAlgorithm) async throws(CredentialError) -> SCRAMRecord?
}
