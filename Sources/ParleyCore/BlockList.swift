/// One address a user blocks (XEP-0191 items, matched as XEP-0016 §2.1 matches JIDs): a
/// whole domain (`user` with an empty localpart), a user with all its sessions, or one
/// session (`resource`).
public struct BlockedAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let user: UserID
    public let resource: String?

    public init(user: UserID, resource: String? = nil) {
        self.user = user
        self.resource = resource.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether a sender of `user` (and `resource`, when it is one session) is covered.
    public func covers(_ sender: UserID, resource senderResource: String?) -> Bool {
        if user.localpart.isEmpty && resource == nil { return sender.domain == user.domain }
        guard sender == user else { return false }
        return resource == nil || resource == senderResource
    }

    public var description: String { resource.map { "\(user)/\($0)" } ?? user.description }
    public static func < (lhs: BlockedAddress, rhs: BlockedAddress) -> Bool { lhs.description < rhs.description }
}

/// The addresses one user blocks: nothing passes between them and the user (XEP-0191 §5.3).
public struct BlockList: Sendable, Equatable {
    public var addresses: Set<BlockedAddress>
    /// Most addresses one list holds.
    public static let maximumCount = 1_000

    public init(_ addresses: Set<BlockedAddress> = []) { self.addresses = addresses }

    /// Whether the list covers a sender (`address` of a user or a session).
    public func blocks(_ address: Address) -> Bool {
        guard !addresses.isEmpty else { return false }
        switch address {
        case .user(let user): return addresses.contains { $0.covers(user, resource: nil) }
        case .session(let session): return addresses.contains { $0.covers(session.user, resource: session.resource) }
        case .room, .occupant: return false
        }
    }

    /// Whether the list covers any session of `user` (presence is withheld from all of them).
    public func blocksAny(of user: UserID) -> Bool {
        addresses.contains { $0.user == user || ($0.user.localpart.isEmpty && $0.resource == nil && $0.user.domain == user.domain) }
    }
}

/// What changed in a user's block list, for its sessions (XEP-0191 §5.2–§5.5 pushes).
public enum BlockListChange: Sendable, Equatable {
    case blocked([BlockedAddress])
    case unblocked([BlockedAddress])
    case unblockedAll
}

/// Where users' block lists are kept (`FlatFileBlockListStore`: `storage/blocklists/`).
public protocol BlockListStore: Sendable {
    /// `user`'s list; empty when it never blocked anyone.
    func blockList(of user: Username) throws -> BlockList
    /// Replaces `user`'s list, durably.
    func setBlockList(_ list: BlockList, of user: Username) throws
}
