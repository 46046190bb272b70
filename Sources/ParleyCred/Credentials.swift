import ParleyCore

/// Something a peer presented to prove who it is. A protocol adapter builds one from
/// what the peer sent and hands it to `Portal.login`; checkers declare the concrete types
/// they accept.
public protocol Credentials: Sendable {}

/// A user name and password as the peer sent them (SASL PLAIN, IRC PASS, the text-chat
/// `LOGIN`). Nothing is normalized here: checkers normalize the name with `Username(_:)`
/// and the password with `OpaqueString.prepare(_:)`.
public struct UsernamePassword: Credentials, Hashable, CustomStringConvertible {
    /// The name as sent.
    public var username: String
    /// The password as sent.
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Never shows the password.
    public var description: String { "UsernamePassword(username: \(username), password: <redacted>)" }
}

/// What a finished SCRAM exchange produced (RFC 5802 §3): the checker verifies it against
/// its stored record — ClientSignature = HMAC(StoredKey, AuthMessage), ClientKey =
/// ClientProof XOR ClientSignature, and H(ClientKey) must equal StoredKey.
public struct SCRAMProof: Credentials, Hashable {
    /// The user name from the client-first message, with the saslname escapes undone
    /// but not otherwise normalized.
    public var username: String
    /// The hash of the exchange.
    public var algorithm: SCRAMAlgorithm
    /// client-first-message-bare "," server-first-message "," client-final-message-without-proof.
    public var authMessage: [UInt8]
    /// The decoded `p=` attribute.
    public var clientProof: [UInt8]

    public init(username: String, algorithm: SCRAMAlgorithm, authMessage: [UInt8], clientProof: [UInt8]) {
        self.username = username
        self.algorithm = algorithm
        self.authMessage = authMessage
        self.clientProof = clientProof
    }
}

/// An anonymous login (SASL ANONYMOUS, RFC 4505), with the optional trace the peer sent.
public struct AnonymousCredentials: Credentials, Hashable {
    /// The trace information (an e-mail address or a token), for the log only.
    public var trace: String?

    public init(trace: String? = nil) {
        self.trace = trace
    }
}

extension Credentials {
    /// A short name of the concrete type, for log lines.
    var kindName: String { String(describing: type(of: self)) }
}
