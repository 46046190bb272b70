import Foundation

/// Where each user's one-to-one messages are archived (XEP-0313 for accounts): the model
/// appends a message to the sender's and to the recipient's archive as it routes it;
/// queries read what was written. `FlatFileUserArchive` keeps one folder per user under
/// `storage/user-archive/`, in the same segment files as the rooms' archive.
public protocol UserArchive: Sendable {
    /// Appends `message` to `user`'s archive; written before it returns.
    func append(_ message: ArchivedMessage, for user: Username)
    /// `user`'s messages in archive order (oldest first), as `query` selects them.
    func query(_ user: Username, _ query: ArchiveQuery) throws(ArchiveQueryError) -> ArchivePage
    /// What `user` asked to be archived (XEP-0313 §6); the default until it asks.
    func preferences(of user: Username) -> ArchivePreferences
    /// Replaces `user`'s archiving preferences, durably.
    func setPreferences(_ preferences: ArchivePreferences, of user: Username) throws(ArchiveQueryError)
    /// Forgets `user`'s archive and preferences (the account was removed).
    func removeArchive(of user: Username)
}

/// Which conversations a user's archive keeps (XEP-0313 §6.1): a default, and the
/// addresses always or never archived whatever the default says.
public struct ArchivePreferences: Sendable, Equatable {
    /// What happens to a conversation with an address on neither list.
    public enum Default: String, Sendable, CaseIterable {
        /// Every conversation is archived.
        case always
        /// None is.
        case never
        /// Only conversations with contacts on the user's contact list.
        case roster
    }

    public var `default`: Default
    /// Always archived, whatever the default.
    public var always: Set<UserID>
    /// Never archived; wins over `always` when an address is on both.
    public var never: Set<UserID>

    public init(default: Default = .always, always: Set<UserID> = [], never: Set<UserID> = []) {
        self.default = `default`
        self.always = always
        self.never = never
    }

    /// Whether a conversation with `peer` is archived; nil when that depends on whether
    /// `peer` is on the user's contact list (`roster`).
    public func keeps(_ peer: UserID) -> Bool? {
        if never.contains(peer) { return false }
        if always.contains(peer) { return true }
        switch self.default {
        case .always: return true
        case .never: return false
        case .roster: return nil
        }
    }
}
