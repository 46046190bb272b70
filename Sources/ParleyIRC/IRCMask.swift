import ParleyCore

/// A glob mask over `nick!user@host` (RFC 2812 §2.5 wildcards): `*` matches any run of
/// bytes, `?` exactly one, and `\` makes the next byte literal (`\*`, `\?`, `\\`).
/// Matching is case-insensitive under an `IRCCaseMapping`; the glob itself is the model's
/// `GlobMask`, the one room bans use.
public struct IRCMask: Sendable, Hashable {
    private let glob: GlobMask

    /// The mask as written.
    public var pattern: String { glob.pattern }

    public init(_ pattern: String) {
        glob = GlobMask(pattern)
    }

    /// Whether `subject` (`nick!user@host`) matches, literal bytes compared after folding
    /// both sides with `caseMapping`.
    public func matches(_ subject: some StringProtocol, caseMapping: IRCCaseMapping = .rfc1459) -> Bool {
        glob.matches(subject, fold: caseMapping.fold(byte:))
    }
}
