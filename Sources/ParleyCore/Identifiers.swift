import Foundation

/// A normalized account name: what a credential store keys its records by and what a
/// successful login yields (the avatar ID, in cred's terms).
///
/// Normalization folds case and applies Unicode NFC, so `Alice` and `alice` are one
/// account (an approximation of the PRECIS UsernameCaseMapped profile, RFC 8265 §3.3).
public struct Username: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The normalized form; the only form ever stored or compared.
    public let value: String

    /// Longest accepted username in UTF-8 bytes (RFC 7622 §3.3.1 caps a localpart at 1023).
    public static let maximumBytes = 1023

    /// Characters RFC 7622 §3.3.1 forbids in a localpart, plus controls and spaces.
    /// Checked per Unicode scalar: a combining mark after `@` must not hide it.
    static let forbidden: Set<Unicode.Scalar> = ["\"", "&", "'", "/", ":", "<", ">", "@", " "]
    static let forbiddenASCII: [UInt8] = Array("\"&'/:<>@ ".utf8)

    /// Normalizes and validates `raw`; returns nil when it cannot be a username.
    public init?(_ raw: String) {
        // RFC 8265 §3.3.2 order: case mapping first, then NFC (lowercasing can undo NFC).
        let folded = Normalization.foldedNFC(raw)
        guard !folded.isEmpty, folded.utf8.count <= Self.maximumBytes else { return nil }
        if Normalization.isASCII(folded) {
            // The same rules without Unicode property look-ups: controls, space, forbidden.
            for byte in folded.utf8 where byte <= 0x20 || byte == 0x7F || Self.forbiddenASCII.contains(byte) {
                return nil
            }
        } else {
            for scalar in folded.unicodeScalars {
                if scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
                    || Self.forbidden.contains(scalar)
                {
                    return nil
                }
            }
        }
        self.value = folded
    }

    public var description: String { value }
    public static func < (lhs: Username, rhs: Username) -> Bool { lhs.value < rhs.value }
}

/// The address of a user (or of a whole service, when `localpart` is empty) without any
/// session part: an XMPP bare JID, or an IRC account on a network.
public struct UserID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The user part; empty for a service address such as `echo.example.com`.
    public let localpart: String
    /// The domain, lowercased.
    public let domain: String

    /// Builds an address from already-normalized parts.
    public init(localpart: String, domain: String) {
        self.localpart = localpart
        self.domain = Normalization.foldedNFC(domain)
    }

    /// The address of `username` on `domain`.
    public init(_ username: Username, domain: String) {
        self.init(localpart: username.value, domain: domain)
    }

    /// Parses `local@domain` or `domain`; returns nil for an empty or malformed string.
    public init?(parsing text: String) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard Self.isValidDomain(parts[0]) else { return nil }
            self.init(localpart: "", domain: String(parts[0]))
        case 2:
            guard let user = Username(String(parts[0])), Self.isValidDomain(parts[1]) else { return nil }
            self.init(user, domain: String(parts[1]))
        default:
            return nil
        }
    }

    /// A domain is non-empty and has no resource part, spaces or controls (RFC 7622 §3.2).
    private static func isValidDomain(_ domain: Substring) -> Bool {
        !domain.isEmpty
            && !domain.unicodeScalars.contains {
                $0 == "/" || $0 == "@" || $0.properties.isWhitespace || $0.properties.generalCategory == .control
            }
    }

    /// The username when this is a user's address on some domain.
    public var username: Username? { localpart.isEmpty ? nil : Username(localpart) }

    public var description: String { localpart.isEmpty ? domain : "\(localpart)@\(domain)" }
    public static func < (lhs: UserID, rhs: UserID) -> Bool { lhs.description < rhs.description }
}

/// One connected session of a user: the user plus a session name that is unique among
/// that user's sessions (an XMPP resource, or a generated name for an IRC connection).
public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    /// Whose session this is.
    public let user: UserID
    /// The per-user session name.
    public let resource: String
    /// The hash of user and resource, computed once: a room delivering to a thousand
    /// sessions looks each one up without hashing three strings per copy.
    private let hashKey: Int

    public init(user: UserID, resource: String) {
        self.user = user
        self.resource = resource
        var hasher = Hasher()
        hasher.combine(user)
        hasher.combine(resource)
        hashKey = hasher.finalize()
    }

    public var description: String { "\(user)/\(resource)" }

    public static func == (lhs: SessionID, rhs: SessionID) -> Bool {
        lhs.hashKey == rhs.hashKey && lhs.user == rhs.user && lhs.resource == rhs.resource
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(hashKey)
    }
}

/// A name compared in its folded form (NFC, lowercase) but shown as written: the shared
/// representation of room names and nicknames.
public protocol FoldedName: Hashable, Sendable, CustomStringConvertible {
    /// The folded form used for identity.
    var key: String { get }
    /// The name as written, for display.
    var displayName: String { get }
}

extension FoldedName {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
    public var description: String { displayName }

    /// Validates `name` (non-empty, at most `maximumBytes` of UTF-8, no control character,
    /// none that `forbidden` rejects) and folds it; nil when invalid.
    static func fold(_ name: String, maximumBytes: Int, forbidden: (Unicode.Scalar) -> Bool) -> String? {
        guard !name.isEmpty, name.utf8.count <= maximumBytes,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || forbidden($0) })
        else { return nil }
        return Normalization.foldedNFC(name)
    }
}

/// The name of a room, case-folded for comparison but keeping the spelling it was
/// created with: `#Dev` on IRC and `dev@conference.example.com` over XMPP are one room.
public struct RoomID: FoldedName, Comparable {
    public let key: String
    public let displayName: String

    /// Longest accepted room name in UTF-8 bytes.
    public static let maximumBytes = 200

    /// Validates `name` (no channel prefix: `dev`, not `#dev`): no spaces, `,`, `@` or `/`.
    public init?(_ name: String) {
        guard let key = Self.fold(name, maximumBytes: Self.maximumBytes, forbidden: { " ,@/".unicodeScalars.contains($0) })
        else { return nil }
        self.key = key
        self.displayName = name
    }

    public static func < (lhs: RoomID, rhs: RoomID) -> Bool { lhs.key < rhs.key }
}

/// A nickname inside a room; compared case-insensitively, displayed as given.
public struct Nickname: FoldedName {
    public let key: String
    public let displayName: String

    /// Longest accepted nickname in UTF-8 bytes.
    public static let maximumBytes = 128

    /// Validates `name`: non-empty, bounded, no control characters or white space other
    /// than single spaces inside (`Anne Marie`: XEP-0045 nicks are resourceparts). Spaces
    /// are normalized as RFC 8266 §2.2 (the PRECIS Nickname profile) says: every Unicode
    /// space is U+0020, none leads or trails, and runs of them are one.
    public init?(_ name: String) {
        let spaced = Self.normalizingSpaces(name)
        guard
            let key = Self.fold(
                spaced, maximumBytes: Self.maximumBytes, forbidden: { $0 != " " && $0.properties.isWhitespace })
        else { return nil }
        self.key = key
        self.displayName = spaced
    }

    /// RFC 8266 §2.2 rules 1, 3 and 4: spaces (general category Zs) mapped to U+0020,
    /// trimmed, and collapsed.
    static func normalizingSpaces(_ name: String) -> String {
        // The common case: nothing to change.
        guard name.unicodeScalars.contains(where: { $0.properties.generalCategory == .spaceSeparator }) else {
            return name
        }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in name.unicodeScalars {
            if scalar.properties.generalCategory == .spaceSeparator {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(scalar)
        }
        return String(out)
    }
}
