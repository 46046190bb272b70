import ParleyCore

/// A SASL failure condition, RFC 6120 §6.5, which a protocol adapter sends to the peer
/// (IRC adapters map them to numerics). The raw value is the XMPP element name.
public enum SASLCondition: String, Sendable, Hashable, CaseIterable {
    /// §6.5.1: the client aborted the exchange.
    case aborted = "aborted"
    /// §6.5.2: the account is disabled.
    case accountDisabled = "account-disabled"
    /// §6.5.3: the credentials have expired.
    case credentialsExpired = "credentials-expired"
    /// §6.5.4: the mechanism needs a secure transport.
    case encryptionRequired = "encryption-required"
    /// §6.5.5: the data could not be decoded (base64 or mechanism syntax).
    case incorrectEncoding = "incorrect-encoding"
    /// §6.5.6: the authorization identity is not one the user may act as.
    case invalidAuthzid = "invalid-authzid"
    /// §6.5.7: the mechanism is not offered.
    case invalidMechanism = "invalid-mechanism"
    /// §6.5.8: the request is malformed.
    case malformedRequest = "malformed-request"
    /// §6.5.9: the mechanism is weaker than policy allows.
    case mechanismTooWeak = "mechanism-too-weak"
    /// §6.5.10: wrong credentials (the same answer for an unknown user and a wrong password).
    case notAuthorized = "not-authorized"
    /// §6.5.11: a temporary error inside the server (store unreadable, corrupt record).
    case temporaryAuthFailure = "temporary-auth-failure"
}

/// Why a login or a credential check failed.
///
/// The peer only ever learns the `condition`; `logDescription` carries the detail that
/// belongs in the server's log — for instance an unknown user and a wrong password are
/// both `not-authorized` on the wire but are distinguishable in the log.
public enum CredentialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No such user in this checker. The portal then asks the next checker.
    case unknownUser(String)
    /// The user exists and the password or SCRAM proof is wrong. The portal stops here.
    case wrongPassword(Username)
    /// The credentials were right but the account is disabled. The portal stops here.
    case accountDisabled(Username)
    /// No checker accepts this kind of credentials (a mechanism the portal cannot serve).
    case unsupportedCredentials(String)
    /// The mechanism's message is malformed; the detail says how.
    case malformedRequest(String)
    /// The authorization identity differs from the authenticated one.
    case invalidAuthzid(String)
    /// A mechanism that is not offered was requested.
    case invalidMechanism(String)
    /// A mechanism that needs TLS was requested over a plain transport.
    case encryptionRequired(String)
    /// The peer aborted the exchange.
    case aborted
    /// A server-side failure (unreadable or corrupt store record, realm failure); the
    /// detail names the file or the cause.
    case temporaryFailure(String)

    /// The RFC 6120 §6.5 condition to show the peer.
    public var condition: SASLCondition {
        switch self {
        case .unknownUser, .wrongPassword: .notAuthorized
        case .accountDisabled: .accountDisabled
        case .unsupportedCredentials, .invalidMechanism: .invalidMechanism
        case .malformedRequest: .malformedRequest
        case .invalidAuthzid: .invalidAuthzid
        case .encryptionRequired: .encryptionRequired
        case .aborted: .aborted
        case .temporaryFailure: .temporaryAuthFailure
        }
    }

    /// Whether the portal should ask the next checker: only when this one does not know
    /// the user at all.
    public var fallsThrough: Bool {
        if case .unknownUser = self { return true }
        return false
    }

    /// Detail for the server log. Never contains a password.
    public var logDescription: String {
        switch self {
        case .unknownUser(let name): "unknown user '\(name)'"
        case .wrongPassword(let user): "wrong password or proof for '\(user)'"
        case .accountDisabled(let user): "account '\(user)' is disabled"
        case .unsupportedCredentials(let kind): "no checker accepts \(kind)"
        case .malformedRequest(let detail): "malformed request: \(detail)"
        case .invalidAuthzid(let detail): "invalid authzid: \(detail)"
        case .invalidMechanism(let detail): "invalid mechanism: \(detail)"
        case .encryptionRequired(let detail): "encryption required: \(detail)"
        case .aborted: "aborted by the client"
        case .temporaryFailure(let detail): "temporary failure: \(detail)"
        }
    }

    public var description: String { "\(condition.rawValue) (\(logDescription))" }
}
