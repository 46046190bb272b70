import Synchronization

/// Why a client-side SCRAM exchange failed.
public enum SCRAMClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server's message does not follow RFC 5802 §7.
    case malformedServerMessage(String)
    /// The server's nonce does not start with ours (RFC 5802 §5.1).
    case nonceMismatch
    /// The iteration count is outside `SCRAMRecord.allowedIterations`.
    case iterationsOutOfRange(Int)
    /// The server sent `e=<value>`.
    case serverError(String)
    /// `v=` is not the ServerSignature we expected: the server does not know our keys.
    case serverSignatureMismatch
    /// A method was called out of order.
    case outOfOrder(String)
    /// The password cannot be prepared.
    case invalidPassword(String)

    public var description: String {
        switch self {
        case .malformedServerMessage(let detail): "malformed server message: \(detail)"
        case .nonceMismatch: "server nonce does not extend the client nonce"
        case .iterationsOutOfRange(let n): "iteration count \(n) out of range"
        case .serverError(let value): "server error: \(value)"
        case .serverSignatureMismatch: "server signature mismatch"
        case .outOfOrder(let what): "\(what) out of order"
        case .invalidPassword(let why): "invalid password: \(why)"
        }
    }
}

/// Caches SaltedPassword per (algorithm, password, salt, iterations), as RFC 5802 §5
/// allows a client to, so that repeated logins pay PBKDF2 once. Passwords are not kept:
/// entries are keyed by an HMAC of the password under a per-process secret.
public final class SaltedPasswordCache: Sendable {
    struct Key: Hashable {
        var algorithm: SCRAMAlgorithm
        var passwordTag: [UInt8]
        var salt: [UInt8]
        var iterations: Int
    }

    struct Contents {
        var entries: [Key: [UInt8]] = [:]
        var hits = 0
        var misses = 0
    }

    private let contents = Mutex(Contents())
    /// Entries kept at most; the cache empties itself when full.
    public let capacity: Int

    /// The cache `SCRAMClient` uses unless given another.
    public static let shared = SaltedPasswordCache()

    public init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// How often a derivation was avoided, and how often PBKDF2 ran.
    public var statistics: (hits: Int, misses: Int) {
        contents.withLock { ($0.hits, $0.misses) }
    }

    func saltedPassword(
        _ prepared: [UInt8], salt: [UInt8], iterations: Int, algorithm: SCRAMAlgorithm
    ) throws(CredentialError) -> [UInt8] {
        let key = Key(
            algorithm: algorithm, passwordTag: ProcessSecrets.mac(label: "parley-scram-client-cache", prepared),
            salt: salt, iterations: iterations)
        let cached = contents.withLock { contents -> [UInt8]? in
            let value = contents.entries[key]
            if value != nil { contents.hits += 1 }
            return value
        }
        if let cached { return cached }
        let salted = try algorithm.hi(prepared, salt: salt, iterations: iterations)
        contents.withLock { contents in
            contents.misses += 1
            if contents.entries.count >= capacity { contents.entries.removeAll() }
            contents.entries[key] = salted
        }
        return salted
    }
}

/// The client side of a SCRAM exchange (RFC 5802 §5) without channel binding (`n,,`).
/// Used by the load generator and the tests; any adapter that logs in somewhere can use it.
public struct SCRAMClient: Sendable {
    enum State: Sendable {
        case initial
        case sentClientFirst(bare: String)
        case sentClientFinal(expectedServerSignature: [UInt8])
        case finished
    }

    /// The hash of this exchange.
    public let algorithm: SCRAMAlgorithm
    private let username: String
    private let password: String
    private let authzid: String?
    private let clientNonce: String
    private let cache: SaltedPasswordCache
    private var state: State = .initial

    /// - Parameters:
    ///   - clientNonce: our part of the nonce; random unless a test replays a vector.
    ///   - cache: where SaltedPassword is cached (RFC 5802 §5 allows it).
    public init(
        algorithm: SCRAMAlgorithm, username: String, password: String, authzid: String? = nil,
        clientNonce: String = SCRAMServer.randomNonce(), cache: SaltedPasswordCache = .shared
    ) {
        self.algorithm = algorithm
        self.username = username
        self.password = password
        self.authzid = authzid
        self.clientNonce = clientNonce
        self.cache = cache
    }

    private var gs2Header: String {
        "n," + (authzid.map { "a=" + SCRAMSyntax.escape($0) } ?? "") + ","
    }

    /// The client-first message: `n,,n=<saslname>,r=<nonce>`.
    public mutating func clientFirst() -> String {
        let bare = "n=\(SCRAMSyntax.escape(username)),r=\(clientNonce)"
        state = .sentClientFirst(bare: bare)
        return gs2Header + bare
    }

    /// Reads server-first and returns client-final (`c=…,r=…,p=…`).
    public mutating func receiveServerFirst(_ message: String) throws(SCRAMClientError) -> String {
        guard case .sentClientFirst(let bare) = state else { throw .outOfOrder("server-first") }
        state = .finished
        guard message.utf8.count <= SCRAMSyntax.maximumMessageBytes else { throw .malformedServerMessage("too long") }
        let fields = message.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 3 else { throw .malformedServerMessage("too few attributes") }
        if SCRAMSyntax.value(of: "m", in: fields[0]) != nil {
            throw .malformedServerMessage("mandatory extension not supported")
        }
        guard let nonce = SCRAMSyntax.value(of: "r", in: fields[0]), SCRAMSyntax.isValidNonce(nonce) else {
            throw .malformedServerMessage("no valid r=")
        }
        // §5.1: the server's nonce must start with ours and add something.
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else { throw .nonceMismatch }
        guard let saltText = SCRAMSyntax.value(of: "s", in: fields[1]), let salt = Bytes.decodeBase64(saltText),
            !salt.isEmpty, salt.count <= SCRAMRecord.maximumSaltByteCount
        else { throw .malformedServerMessage("no valid s=") }
        guard let iterationText = SCRAMSyntax.value(of: "i", in: fields[2]),
            iterationText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), iterationText.utf8.count <= 9,
            let iterations = Int(iterationText)
        else { throw .malformedServerMessage("no valid i=") }
        guard SCRAMRecord.allowedIterations.contains(iterations) else { throw .iterationsOutOfRange(iterations) }

        let prepared: [UInt8]
        let salted: [UInt8]
        do {
            prepared = try OpaqueString.prepare(password)
            salted = try cache.saltedPassword(prepared, salt: salt, iterations: iterations, algorithm: algorithm)
        } catch {
            throw .invalidPassword(error.logDescription)
        }
        // §3: ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage)
        let keys = SCRAMRecord.keys(salted, algorithm)
        let withoutProof = "c=\(Bytes.base64(Array(gs2Header.utf8))),r=\(nonce)"
        let authMessage = Array("\(bare),\(message),\(withoutProof)".utf8)
        let signature = algorithm.hmac(key: keys.storedKey, authMessage)
        var proof = keys.clientKey
        for index in proof.indices { proof[index] ^= signature[index] }
        state = .sentClientFinal(expectedServerSignature: algorithm.hmac(key: keys.serverKey, authMessage))
        return "\(withoutProof),p=\(Bytes.base64(proof))"
    }

    /// Reads server-final; returns when the server proved it knows the keys.
    public mutating func receiveServerFinal(_ message: String) throws(SCRAMClientError) {
        guard case .sentClientFinal(let expected) = state else { throw .outOfOrder("server-final") }
        state = .finished
        let first = message.split(separator: ",", omittingEmptySubsequences: false)[0]
        if let error = SCRAMSyntax.value(of: "e", in: first) { throw .serverError(String(error)) }
        guard let verifier = SCRAMSyntax.value(of: "v", in: first), let signature = Bytes.decodeBase64(verifier) else {
            throw .malformedServerMessage("no v= or e=")
        }
        guard Bytes.constantTimeEqual(signature, expected) else { throw .serverSignatureMismatch }
    }
}
