/// What a server stores for SCRAM instead of a password (RFC 5802 §3, §5.1): the salt,
/// the iteration count, StoredKey = H(ClientKey) and ServerKey = HMAC(SaltedPassword,
/// "Server Key"). PLAIN is checked against the same keys by re-deriving them.
public struct SCRAMRecord: Sendable, Hashable {
    /// The hash these keys belong to.
    public let algorithm: SCRAMAlgorithm
    /// The salt, `s=` in the server-first message.
    public let salt: [UInt8]
    /// The iteration count, `i=`.
    public let iterations: Int
    /// H(ClientKey).
    public let storedKey: [UInt8]
    /// HMAC(SaltedPassword, "Server Key").
    public let serverKey: [UInt8]

    /// The iteration count for new records.
    public static let defaultIterations = 10_000
    /// Iteration counts accepted anywhere: RFC 7677 §4 asks for at least 4096; the upper
    /// bound stops a hostile record or server from making a client spin.
    public static let allowedIterations = 4096...10_000_000
    /// Salt length for new records.
    public static let defaultSaltByteCount = 16
    /// Longest accepted salt.
    public static let maximumSaltByteCount = 256

    /// Why a record's fields are unusable.
    public enum ValidationError: Error, Hashable, CustomStringConvertible {
        case emptySalt, saltTooLong(Int), iterationsOutOfRange(Int), wrongKeyLength(String, Int)

        public var description: String {
            switch self {
            case .emptySalt: "empty salt"
            case .saltTooLong(let n): "salt of \(n) bytes (at most \(SCRAMRecord.maximumSaltByteCount))"
            case .iterationsOutOfRange(let i):
                "iteration count \(i) outside \(SCRAMRecord.allowedIterations.lowerBound)...\(SCRAMRecord.allowedIterations.upperBound)"
            case .wrongKeyLength(let key, let n): "\(key) is \(n) bytes, not the digest length"
            }
        }
    }

    /// A record from stored fields, validated.
    public init(algorithm: SCRAMAlgorithm, salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8])
        throws(ValidationError)
    {
        guard !salt.isEmpty else { throw .emptySalt }
        guard salt.count <= Self.maximumSaltByteCount else { throw .saltTooLong(salt.count) }
        guard Self.allowedIterations.contains(iterations) else { throw .iterationsOutOfRange(iterations) }
        guard storedKey.count == algorithm.digestByteCount else { throw .wrongKeyLength("StoredKey", storedKey.count) }
        guard serverKey.count == algorithm.digestByteCount else { throw .wrongKeyLength("ServerKey", serverKey.count) }
        self.algorithm = algorithm
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    private init(unchecked algorithm: SCRAMAlgorithm, salt: [UInt8], iterations: Int, keys: DerivedKeys) {
        self.algorithm = algorithm
        self.salt = salt
        self.iterations = iterations
        self.storedKey = keys.storedKey
        self.serverKey = keys.serverKey
    }

    /// Derives the record for `password` (prepared with `OpaqueString`): one PBKDF2.
    /// A nil `salt` draws a fresh random one.
    public static func derive(
        password: String, salt: [UInt8]? = nil, iterations: Int = defaultIterations, algorithm: SCRAMAlgorithm
    ) throws(CredentialError) -> SCRAMRecord {
        let salt = salt ?? Bytes.random(defaultSaltByteCount)
        guard !salt.isEmpty, salt.count <= maximumSaltByteCount, allowedIterations.contains(iterations) else {
            throw .malformedRequest("unusable salt or iteration count")
        }
        let salted = try algorithm.hi(OpaqueString.prepare(password), salt: salt, iterations: iterations)
        return SCRAMRecord(unchecked: algorithm, salt: salt, iterations: iterations, keys: keys(salted, algorithm))
    }

    /// The keys of RFC 5802 §3 computed from SaltedPassword.
    struct DerivedKeys {
        var clientKey: [UInt8]
        var storedKey: [UInt8]
        var serverKey: [UInt8]
    }

    /// RFC 5802 §3: ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey = H(ClientKey),
    /// ServerKey = HMAC(SaltedPassword, "Server Key").
    static func keys(_ saltedPassword: [UInt8], _ algorithm: SCRAMAlgorithm) -> DerivedKeys {
        let clientKey = algorithm.hmac(key: saltedPassword, Array("Client Key".utf8))
        return DerivedKeys(
            clientKey: clientKey, storedKey: algorithm.hash(clientKey),
            serverKey: algorithm.hmac(key: saltedPassword, Array("Server Key".utf8)))
    }

    /// Whether `clientProof` proves knowledge of the password for `authMessage`
    /// (RFC 5802 §3, server side): ClientSignature = HMAC(StoredKey, AuthMessage);
    /// ClientKey = ClientProof XOR ClientSignature; H(ClientKey) == StoredKey, compared in
    /// constant time. No PBKDF2.
    public func verify(clientProof: [UInt8], authMessage: [UInt8]) -> Bool {
        guard clientProof.count == algorithm.digestByteCount else { return false }
        let signature = algorithm.hmac(key: storedKey, authMessage)
        var clientKey = clientProof
        for index in clientKey.indices { clientKey[index] ^= signature[index] }
        return Bytes.constantTimeEqual(algorithm.hash(clientKey), storedKey)
    }

    /// ServerSignature = HMAC(ServerKey, AuthMessage), RFC 5802 §3.
    public func serverSignature(authMessage: [UInt8]) -> [UInt8] {
        algorithm.hmac(key: serverKey, authMessage)
    }

    /// Whether `password` is the one this record was derived from: one PBKDF2, then a
    /// constant-time comparison of StoredKey.
    public func matches(password: String) throws(CredentialError) -> Bool {
        let salted = try algorithm.hi(OpaqueString.prepare(password), salt: salt, iterations: iterations)
        return Bytes.constantTimeEqual(Self.keys(salted, algorithm).storedKey, storedKey)
    }

    /// A record for a user that does not exist: the salt is derived from the name and a
    /// process secret, so it is stable across attempts (a changing salt would reveal that
    /// the account is fake) and unpredictable; the keys match no password.
    static func fake(for name: String, algorithm: SCRAMAlgorithm, iterations: Int) -> SCRAMRecord {
        let label = "parley-scram-fake-\(algorithm.rawValue)"
        let seed = ProcessSecrets.mac(label: label, Array(name.utf8))
        let keyLength = algorithm.digestByteCount
        let keys = DerivedKeys(
            clientKey: [], storedKey: Array(ProcessSecrets.mac(label: label + "-stored", seed).prefix(keyLength)),
            serverKey: Array(ProcessSecrets.mac(label: label + "-server", seed).prefix(keyLength)))
        return SCRAMRecord(
            unchecked: algorithm, salt: Array(seed.prefix(defaultSaltByteCount)),
            iterations: min(max(iterations, allowedIterations.lowerBound), allowedIterations.upperBound), keys: keys)
    }
}
