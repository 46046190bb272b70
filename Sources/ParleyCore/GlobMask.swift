/// A glob pattern (RFC 2812 §2.5 wildcards, the form of IRC ban masks): `*` matches any run
/// of bytes, `?` exactly one, and `\` makes the next byte literal (`\*`, `\?`, `\\`).
/// Literal bytes compare after folding both sides with a byte fold (ASCII case by
/// default); an adapter passes its protocol's own folding.
public struct GlobMask: Sendable, Hashable {
    /// The pattern as written.
    public let pattern: String
    private let tokens: [Token]

    private enum Token: Sendable, Hashable {
        case literal(UInt8)
        case any  // `?`
        case run  // `*`
    }

    public init(_ pattern: String) {
        self.pattern = pattern
        var tokens: [Token] = []
        tokens.reserveCapacity(pattern.utf8.count)
        var escaping = false
        for byte in pattern.utf8 {
            if escaping {
                tokens.append(.literal(byte))
                escaping = false
            } else if byte == UInt8(ascii: "\\") {
                escaping = true
            } else if byte == UInt8(ascii: "*") {
                if tokens.last != .run { tokens.append(.run) }  // `**` is `*`
            } else if byte == UInt8(ascii: "?") {
                tokens.append(.any)
            } else {
                tokens.append(.literal(byte))
            }
        }
        if escaping { tokens.append(.literal(UInt8(ascii: "\\"))) }  // a lone trailing `\` is itself
        self.tokens = tokens
    }

    /// ASCII case folding: only `A`–`Z` fold; bytes of multi-byte UTF-8 sequences never change.
    @inlinable
    public static func asciiFold(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    /// Whether `subject` matches. `*` backtracks to its last position only, which is
    /// enough for globs and keeps the match linear in practice.
    public func matches(_ subject: some StringProtocol, fold: (UInt8) -> UInt8 = GlobMask.asciiFold) -> Bool {
        let bytes = Array(subject.utf8)
        var t = 0, s = 0
        var starToken = -1, starSubject = 0
        while s < bytes.count {
            if t < tokens.count {
                switch tokens[t] {
                case .run:
                    starToken = t
                    starSubject = s
                    t += 1
                    continue
                case .any:
                    t += 1
                    s += 1
                    continue
                case .literal(let byte) where fold(byte) == fold(bytes[s]):
                    t += 1
                    s += 1
                    continue
                case .literal:
                    break
                }
            }
            guard starToken >= 0 else { return false }
            t = starToken + 1
            starSubject += 1
            s = starSubject
        }
        while t < tokens.count, tokens[t] == .run { t += 1 }
        return t == tokens.count
    }
}
