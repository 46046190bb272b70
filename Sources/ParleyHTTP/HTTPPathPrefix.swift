/// The path under which one plugin's routes live on a shared listener (`/status`,
/// `/pubsub`, `/.well-known/host-meta`): one or more segments of RFC 3986 unreserved
/// characters (§2.3: letters, digits, `-`, `.`, `_`, `~`), neither `.` nor `..`. Router
/// syntax (`:id`, `*`, `{…}`) and percent-encoding are refused, so a prefix is always a
/// literal path that claims itself and everything below it.
public struct HTTPPathPrefix: Hashable, Sendable, CustomStringConvertible {
    /// The segments, in order (`["status"]` for `/status`).
    public let segments: [String]

    /// Checks `text` (`/status`, with one leading `/` and no trailing one).
    public init(_ text: String) throws {
        guard text.hasPrefix("/"), !text.hasSuffix("/") else {
            throw HTTPListenerError.invalidPrefix(text, reason: "it must start with '/', name a path and not end in '/'")
        }
        let segments = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for segment in segments {
            guard !segment.isEmpty, segment != ".", segment != ".." else {
                throw HTTPListenerError.invalidPrefix(text, reason: "empty, '.' or '..' segment")
            }
            guard segment.unicodeScalars.allSatisfy(Self.isUnreserved) else {
                throw HTTPListenerError.invalidPrefix(text, reason: "only letters, digits, '-', '.', '_' and '~'")
            }
        }
        self.segments = segments
    }

    public var description: String { "/" + segments.joined(separator: "/") }

    /// Whether the two claim a common path: one's segments begin the other's (`/status`
    /// and `/status/feed`; not `/status` and `/statuses`).
    public func overlaps(_ other: HTTPPathPrefix) -> Bool {
        let shorter = min(segments.count, other.segments.count)
        return segments.prefix(shorter) == other.segments.prefix(shorter)
    }

    /// RFC 3986 §2.3 unreserved, ASCII only.
    private static func isUnreserved(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_", "~": true
        default: false
        }
    }
}
