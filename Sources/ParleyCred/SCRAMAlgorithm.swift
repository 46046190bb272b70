import Crypto
import _CryptoExtras

/// The hash function of a SCRAM mechanism: SHA-1 (RFC 5802) or SHA-256 (RFC 7677).
public enum SCRAMAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// SCRAM-SHA-1, RFC 5802.
    case sha1 = "SHA-1"
    /// SCRAM-SHA-256, RFC 7677.
    case sha256 = "SHA-256"

    /// Strongest first, the order in which mechanisms are offered.
    public static let preferenceOrder: [SCRAMAlgorithm] = [.sha256, .sha1]

    /// The SASL mechanism name, `SCRAM-SHA-256`.
    public var mechanismName: String { "SCRAM-\(rawValue)" }

    /// The channel-binding variant's name, `SCRAM-SHA-256-PLUS` (RFC 5802 §4).
    public var plusMechanismName: String { "\(mechanismName)-PLUS" }

    /// The algorithm of a mechanism name (with or without `-PLUS`), case-insensitively.
    public init?(mechanismName: String) {
        var name = mechanismName.uppercased()
        if name.hasSuffix("-PLUS") { name.removeLast(5) }
        guard let found = Self.allCases.first(where: { $0.mechanismName == name }) else { return nil }
        self = found
    }

    /// The output length of H and HMAC in bytes.
    public var digestByteCount: Int {
        switch self {
        case .sha1: Insecure.SHA1.byteCount
        case .sha256: SHA256.byteCount
        }
    }

    public var description: String { mechanismName }

    /// HMAC(key, data), RFC 5802 §2.2.
    func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch self {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        }
    }

    /// H(data), RFC 5802 §2.2.
    func hash(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .sha1: Array(Insecure.SHA1.hash(data: data))
        case .sha256: Array(SHA256.hash(data: data))
        }
    }

    /// Hi(str, salt, i), RFC 5802 §2.2: PBKDF2 with HMAC as the PRF and one block of output.
    /// `unsafeUncheckedRounds` because the checked variant refuses fewer than 210,000
    /// rounds, and SCRAM's iteration counts (4096 and up) are below that.
    func hi(_ password: [UInt8], salt: [UInt8], iterations: Int) throws(CredentialError) -> [UInt8] {
        let function: KDF.Insecure.PBKDF2.HashFunction = self == .sha1 ? .insecureSHA1 : .sha256
        do {
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: password, salt: salt, using: function, outputByteCount: digestByteCount,
                unsafeUncheckedRounds: iterations)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw .temporaryFailure("PBKDF2 failed: \(error)")
        }
    }
}
