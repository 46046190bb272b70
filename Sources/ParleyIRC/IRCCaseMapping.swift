/// How IRC folds nicknames and channel names for comparison (the `CASEMAPPING` ISUPPORT
/// token, modern.ircdocs.horse "CASEMAPPING Parameter"). Parley's own server announces
/// `ascii`; a client honours whatever its server announces.
public enum IRCCaseMapping: Sendable, Hashable, CaseIterable {
    /// Only `A`–`Z` fold to `a`–`z`.
    case ascii
    /// RFC 1459 §2.2: `ascii`, plus `[]\~` fold to `{}|^` (the Scandinavian reading).
    case rfc1459
    /// `rfc1459` without `~`/`^`.
    case strictRFC1459

    /// The value of the ISUPPORT `CASEMAPPING` token.
    public var token: String {
        switch self {
        case .ascii: "ascii"
        case .rfc1459: "rfc1459"
        case .strictRFC1459: "strict-rfc1459"
        }
    }

    /// The mapping an ISUPPORT `CASEMAPPING` value names, or nil for one Parley does not
    /// know (such as `rfc7613`).
    public init?(token: some StringProtocol) {
        switch token.lowercased() {
        case "ascii": self = .ascii
        case "rfc1459": self = .rfc1459
        case "strict-rfc1459": self = .strictRFC1459
        default: return nil
        }
    }

    /// One byte folded; bytes of multi-byte UTF-8 sequences are never changed.
    @inlinable
    public func fold(byte: UInt8) -> UInt8 {
        switch byte {
        case 0x41...0x5A: return byte | 0x20
        case 0x5B...0x5D where self != .ascii: return byte + 0x20  // [\] -> {|}
        case 0x7E where self == .rfc1459: return 0x5E  // ~ -> ^
        default: return byte
        }
    }

    /// The folded form of `text`, for comparing and as a dictionary key.
    public func fold(_ text: some StringProtocol) -> String {
        let bytes = text.utf8
        guard bytes.contains(where: { fold(byte: $0) != $0 }) else { return String(text) }
        return String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var count = 0
            for byte in bytes {
                buffer[count] = fold(byte: byte)
                count += 1
            }
            return count
        }
    }

    /// True when `lhs` and `rhs` are the same name under this mapping.
    public func equals(_ lhs: some StringProtocol, _ rhs: some StringProtocol) -> Bool {
        lhs.utf8.count == rhs.utf8.count && zip(lhs.utf8, rhs.utf8).allSatisfy { fold(byte: $0) == fold(byte: $1) }
    }
}
