import Foundation

/// A message as an archive keeps it: a room's message as the room sent it to its occupants
/// (with the room's id and timestamp) and the user who sent it; or a one-to-one message
/// in a user's archive, with the other side of the conversation.
public struct ArchivedMessage: Sendable, Equatable {
    public var message: Message
    /// The sender's user (the occupant's real address; rooms here are non-anonymous).
    public var sender: UserID?
    /// In a user's archive, the other side of the conversation (XEP-0313 §4.1.1 `with`).
    public var peer: Address?

    public init(message: Message, sender: UserID?, peer: Address? = nil) {
        self.message = message
        self.sender = sender
        self.peer = peer
    }

    /// The archive's id of the message (XEP-0359 stanza-id): a room's id, or the id the
    /// model minted for a user's archive.
    public var id: String { message.archiveID ?? message.id ?? "" }
    /// When the room sent it.
    public var at: Date { message.timestamp ?? .distantPast }
    /// The nick it was sent under, when an occupant sent it.
    public var nick: Nickname? {
        if case .occupant(_, let nick) = message.from { return nick }
        return nil
    }
}

/// Where rooms' messages are archived (XEP-0313 for MUC; history on entry): appends are
/// queued and return at once; queries read what was written. `FlatFileRoomArchive` keeps
/// one file per room under `storage/archive/`.
public protocol RoomArchive: Sendable {
    /// Queues `message` for `room`'s archive.
    func append(_ message: ArchivedMessage, in room: RoomID)
    /// The messages of `room` in archive order (oldest first), as `query` selects them.
    func query(_ room: RoomID, _ query: ArchiveQuery) throws(ArchiveQueryError) -> ArchivePage
    /// The newest `count` messages of `room`, oldest first (history on entry).
    func newest(_ room: RoomID, count: Int) -> [ArchivedMessage]
    /// Forgets `room`'s archive (the room was destroyed, or a temporary room retired).
    func removeArchive(of room: RoomID)
    /// Writes what is queued.
    func flush()
}

/// Which archived messages a query asks for (XEP-0313 §4.1 filters, XEP-0059 paging).
public struct ArchiveQuery: Sendable, Equatable {
    /// Only messages from this nick, or from this user (XEP-0313 §4.1.1 `with`).
    public enum With: Sendable, Equatable {
        case nick(Nickname)
        case user(UserID)
        /// In a user's archive: the conversation with this user, or with one of its
        /// sessions only when `resource` is given.
        case peer(UserID, resource: String?)
    }

    public var with: With?
    /// Inclusive time bounds (§4.1.2).
    public var start: Date?
    public var end: Date?
    /// Only messages after / before the one with this id, exclusive (RSM `after`/`before`,
    /// or the `after-id`/`before-id` fields).
    public var after: String?
    public var before: String?
    /// The last page rather than the first (RSM `<before/>`, empty).
    public var lastPage = false
    /// Only these ids (§4.1.3 `ids`).
    public var ids: [String]?
    /// Most messages in one page.
    public var max: Int

    public init(max: Int) { self.max = max }

    /// Selects and pages `messages` (oldest first): the first `max` that match, or the
    /// last `max` when paging backwards (`before`, `lastPage`).
    public func page(of messages: [ArchivedMessage]) throws(ArchiveQueryError) -> ArchivePage {
        var matching = messages.filter(matches)
        if let ids {
            let wanted = Set(ids)
            matching = matching.filter { wanted.contains($0.id) }
        }
        var lower = 0
        var upper = matching.count
        if let after {
            guard let index = matching.firstIndex(where: { $0.id == after }) else { throw .noSuchID(after) }
            lower = index + 1
        }
        if let before {
            guard let index = matching.firstIndex(where: { $0.id == before }) else { throw .noSuchID(before) }
            upper = index
        }
        guard lower <= upper else { return ArchivePage(messages: [], complete: true, count: matching.count, firstIndex: nil) }
        let backwards = before != nil || lastPage
        let range = backwards ? Swift.max(lower, upper - self.max)..<upper : lower..<Swift.min(upper, lower + self.max)
        // XEP-0313 §4.3: complete when the page reaches the end of the results in the
        // direction of paging.
        let complete = backwards ? range.lowerBound == lower : range.upperBound == upper
        return ArchivePage(
            messages: Array(matching[range]), complete: complete, count: matching.count,
            firstIndex: range.isEmpty ? nil : range.lowerBound)
    }

    private func matches(_ archived: ArchivedMessage) -> Bool {
        if let start, archived.at < start { return false }
        if let end, archived.at > end { return false }
        switch with {
        case .nick(let nick)?: return archived.nick == nick
        case .user(let user)?: return archived.sender == user
        case .peer(let user, let resource)?:
            switch archived.peer {
            case .user(let peer)?: return peer == user && resource == nil
            case .session(let peer)?: return peer.user == user && (resource == nil || resource == peer.resource)
            default: return false
            }
        case nil: return true
        }
    }
}

/// One page of an archive query.
public struct ArchivePage: Sendable, Equatable {
    public var messages: [ArchivedMessage]
    /// No more messages in the direction of paging.
    public var complete: Bool
    /// How many messages match the filters (RSM `count`).
    public var count: Int
    /// The position of the first message among them (RSM `first index`).
    public var firstIndex: Int?

    public init(messages: [ArchivedMessage], complete: Bool, count: Int, firstIndex: Int?) {
        self.messages = messages
        self.complete = complete
        self.count = count
        self.firstIndex = firstIndex
    }
}

/// Why an archive query has no answer.
public enum ArchiveQueryError: Error, Equatable, Sendable {
    /// An `after` or `before` id that is not in the results (XEP-0313 §4.3 item-not-found).
    case noSuchID(String)
    /// The archive cannot be read.
    case unavailable(String)
}
