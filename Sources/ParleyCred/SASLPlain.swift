import ParleyCore

/// A parsed SASL PLAIN message, RFC 4616 §2: `[authzid] NUL authcid NUL passwd`.
public struct SASLPlain: Sendable, Hashable {
    /// Longest accepted message in bytes (RFC 4616 §2 allows 255 characters per part;
    /// 1 KiB leaves room for UTF-8 and stops oversized input early).
    public static let maximumMessageBytes = 1024

    /// Why a PLAIN message was refused.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case tooLong(Int)
        case wrongSeparatorCount(Int)
        case emptyAuthcid
        case emptyPassword
        case invalidUTF8

        public var description: String {
            switch self {
            case .tooLong(let n): "PLAIN message of \(n) bytes exceeds \(SASLPlain.maximumMessageBytes)"
            case .wrongSeparatorCount(let n): "PLAIN message has \(n) NUL separators, not 2"
            case .emptyAuthcid: "PLAIN message has an empty authentication identity"
            case .emptyPassword: "PLAIN message has an empty password"
            case .invalidUTF8: "PLAIN message is not UTF-8"
            }
        }

        /// The credential error an adapter reports (malformed-request).
        public var credentialError: CredentialError { .malformedRequest(description) }
    }

    /// The authorization identity, when the client sent one.
    public let authzid: String?
    /// The authentication identity (the user name).
    public let authcid: String
    /// The password.
    public let password: String

    /// Parses the decoded SASL response.
    public init(parsing message: some Collection<UInt8>) throws(ParseError) {
        guard message.count <= Self.maximumMessageBytes else { throw .tooLong(message.count) }
        // message = [authzid] UTF8NUL authcid UTF8NUL passwd — exactly two NULs.
        let separators = message.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        guard separators == 2 else { throw .wrongSeparatorCount(separators) }
        let parts = message.split(separator: 0, omittingEmptySubsequences: false)
        guard let authzid = Bytes.utf8String(parts[0]), let authcid = Bytes.utf8String(parts[1]),
            let password = Bytes.utf8String(parts[2])
        else { throw .invalidUTF8 }
        guard !authcid.isEmpty else { throw .emptyAuthcid }
        guard !password.isEmpty else { throw .emptyPassword }
        self.authzid = authzid.isEmpty ? nil : authzid
        self.authcid = authcid
        self.password = password
    }

    /// Encodes a message (the client side).
    public static func encode(authzid: String? = nil, authcid: String, password: String) -> [UInt8] {
        Array((authzid ?? "").utf8) + [0] + Array(authcid.utf8) + [0] + Array(password.utf8)
    }

    /// The credentials for the portal. An authzid that names another user than the
    /// authcid is refused (invalid-authzid): no user may act for another here. An XMPP
    /// adapter that receives a bare JID as authzid checks its domain and passes the
    /// localpart.
    public func credentials() throws(CredentialError) -> UsernamePassword {
        if let authzid, Username(authzid) == nil || Username(authzid) != Username(authcid) {
            throw .invalidAuthzid("authzid differs from authcid")
        }
        return UsernamePassword(username: authcid, password: password)
    }
}

/// A parsed SASL ANONYMOUS message, RFC 4505 §3: optional trace information.
public struct SASLAnonymous: Sendable, Hashable {
    /// RFC 4505 §3: at most 255 characters of trace.
    public static let maximumTraceCharacters = 255

    /// Why an ANONYMOUS message was refused.
    public enum ParseError: Error, Sendable, Hashable {
        case tooLong
        case invalidTrace

        /// The credential error an adapter reports (malformed-request).
        public var credentialError: CredentialError {
            .malformedRequest(self == .tooLong ? "ANONYMOUS trace too long" : "ANONYMOUS trace is not printable UTF-8")
        }
    }

    /// The trace (an e-mail address or a token), nil when empty.
    public let trace: String?

    /// Parses the decoded SASL response (possibly empty).
    public init(parsing message: some Collection<UInt8>) throws(ParseError) {
        guard message.count <= Self.maximumTraceCharacters * 4 else { throw .tooLong }
        guard let text = Bytes.utf8String(message) else { throw .invalidTrace }
        guard text.count <= Self.maximumTraceCharacters else { throw .tooLong }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidTrace
        }
        trace = text.isEmpty ? nil : text
    }

    /// The credentials for the portal.
    public var credentials: AnonymousCredentials { AnonymousCredentials(trace: trace) }
}
