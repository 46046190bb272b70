import ParleyCore
import ParleyCred

/// What a registered user chose to show on their page: the two fields of the
/// registration form (the seed's `#user_conf{}`), both off by default.
public struct PageSettings: Hashable, Sendable {
    /// Show the status message (`<status/>`) next to the availability.
    public var showStatusMessage: Bool
    /// Show the user's address (bare JID); otherwise the page names nobody.
    public var showJID: Bool

    public init(showStatusMessage: Bool = false, showJID: Bool = false) {
        self.showStatusMessage = showStatusMessage
        self.showJID = showJID
    }
}

/// One registered user: who, the opaque id of their page, and what it shows.
public struct StatusRegistration: Hashable, Sendable {
    public var user: UserID
    /// The page id, `/status/<id>`: random, never derived from the address.
    public var id: String
    public var settings: PageSettings

    public init(user: UserID, id: String, settings: PageSettings) {
        self.user = user
        self.id = id
        self.settings = settings
    }

    /// A fresh page id: 16 random bytes (128 bits) from the system's generator, as
    /// lowercase hex. Unguessable, and unrelated to the user's address (the seed's base64
    /// of the bare JID would publish it).
    public static func newID() -> String { SASLEncoding.randomID(bytes: 16) }

    /// Whether `id` could be a page id: 16 to 128 characters of `[A-Za-z0-9_-]` (new ids
    /// are 32 hex digits; a hand-edited file may hold others). Anything else is never
    /// looked up.
    public static func isValidID(_ id: some StringProtocol) -> Bool {
        (16...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }
}
