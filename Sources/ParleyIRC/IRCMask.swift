/// A glob mask over `nick!user@host` (RFC 2812 §2.5 wildcards): `*` matches any run of
/// bytes, `?` exactly one, and `\` makes the next byte literal (`\*`, `\?`, `\\`).
/// Matching is case-insensitive under an `IRCCaseMapping`.
public struct IRCMask: Sendable, Hashable {
    /// The mask as written.
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

    /// Whether `subject` (`nick!user@host`) matches. Literal bytes compare after folding
    /// both sides with `caseMapping`; `*` backtracks to its last position only, which is
    /// enough for globs and keeps the match linear in practice.
    public func matches(_ subject: some StringProtocol, caseMapping: IRCCaseMapping = .rfc1459) -> Bool {
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
                case .literal(let byte) where caseMapping.fold(byte: byte) == caseMapping.fold(byte: bytes[s]):
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
