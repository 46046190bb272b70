import Synchronization

/// Users' block lists, read once from the store and then kept: every routed message asks.
final class BlockLists: Sendable {
    let store = Mutex<(any BlockListStore)?>(nil)
    private let cache = Mutex<Cache>(Cache())
    /// One change at a time for all users: a change reads, writes and caches its list
    /// without another change of the same list in between.
    let changes = AsyncSerializer()

    private struct Cache {
        var lists: [Username: BlockList] = [:]
        /// Bumped by every change: a store read that a change overtook is not cached.
        var generation = 0
    }
    /// Lists kept at most; the cache empties past it and fills again from the store.
    static let maximumCached = 20_000

    var isAttached: Bool { store.withLock { $0 != nil } }

    /// `user`'s list; read from the store (off the caller's executor) the first time.
    /// Runs on the caller's executor: a cached list costs no hop.
    nonisolated(nonsending) func list(of user: Username) async -> BlockList {
        let (cached, generation) = cache.withLock { ($0.lists[user], $0.generation) }
        if let cached { return cached }
        guard let store = store.withLock({ $0 }) else { return BlockList() }
        let read = await Task.detached { (try? store.blockList(of: user)) ?? BlockList() }.value
        cache.withLock { cache in
            guard cache.generation == generation else { return }
            if cache.lists.count >= Self.maximumCached { cache.lists.removeAll(keepingCapacity: true) }
            cache.lists[user] = read
        }
        return read
    }

    /// Caches a list a change just stored.
    func remember(_ list: BlockList, of user: Username) {
        cache.withLock { cache in
            cache.generation += 1
            if cache.lists.count >= Self.maximumCached { cache.lists.removeAll(keepingCapacity: true) }
            cache.lists[user] = list
        }
    }
}

/// Blocking (XEP-0191, with the XEP-0016 matching it builds on): nothing passes between a
/// user and an address it blocks — messages, presence, subscriptions and requests either
/// way. Enforced here, in the model, so every adapter follows the same list.
extension ChatService {
    /// Keeps users' block lists in `store` and enforces them from now on.
    public func attachBlockListStore(_ store: any BlockListStore) {
        blockLists.store.withLock { $0 = store }
    }

    /// The block list of a local `user`.
    public func blockList(of user: Username) async -> BlockList {
        await blockLists.list(of: user)
    }

    /// Whether `owner` (an address of this domain) blocks `address`.
    nonisolated(nonsending) func blocks(_ owner: UserID, _ address: Address) async -> Bool {
        guard owner.domain == domain, let name = owner.username, blockLists.isAttached else { return false }
        return await blockLists.list(of: name).blocks(address)
    }

    /// Why a one-to-one exchange between `from` and `to` may not happen, if it may not
    /// (XEP-0191 §5.3): an adapter asks before it answers for an account (a request to
    /// another account's bare JID).
    nonisolated(nonsending) public func blockingError(from: Address, to: Address) async -> DeliveryError? {
        guard blockLists.isAttached, let sender = from.user, let recipient = to.user else { return nil }
        if await blocks(sender, to) { return .blockedBySender }
        if await blocks(recipient, from) { return .blockedByRecipient }
        return nil
    }

    /// Whether presence may pass between `a` and `b`, users: neither blocks any session of the other.
    nonisolated(nonsending) func presencePasses(between a: UserID, and b: UserID) async -> Bool {
        guard blockLists.isAttached else { return true }
        for (owner, other) in [(a, b), (b, a)] where owner.domain == domain {
            guard let name = owner.username else { continue }
            if await blockLists.list(of: name).blocksAny(of: other) { return false }
        }
        return true
    }

    /// Changes `user`'s block list (`change` returns what changed, or nil when nothing
    /// did), stores it, and tells the user's sessions; then the presence that follows:
    /// a blocked contact sees the user's sessions go unavailable, an unblocked subscriber
    /// sees them again (XEP-0191 §5.3, §5.4).
    func changeBlockList(
        of user: UserID, _ change: (inout BlockList) throws(BlockListError) -> BlockListChange?
    ) async throws(BlockListError) {
        guard let name = user.username, let store = blockLists.store.withLock({ $0 }) else { throw .unavailable }
        await blockLists.changes.acquire()
        defer { blockLists.changes.release() }
        let before = await blockLists.list(of: name)
        var after = before
        guard let made = try change(&after) else { return }
        guard after.addresses.count <= BlockList.maximumCount else { throw .tooMany }
        let stored = after
        let written = await Task.detached { (try? store.setBlockList(stored, of: name)) != nil }.value
        guard written else { throw .unavailable }
        blockLists.remember(after, of: name)
        await deliverToAll(.blockListChanged(made), of: user)
        let list = (try? await contacts.contactList(of: name)) ?? ContactList()
        let contacts = list.presenceSubscribers
        for contact in contacts where before.blocksAny(of: contact) != after.blocksAny(of: contact) {
            if after.blocksAny(of: contact) {
                await sendUnavailable(of: user, to: contact)
            } else if await presencePasses(between: user, and: contact) {
                await sendPresence(of: user, to: contact)
            }
        }
    }
}

/// Why a block list was not changed.
public enum BlockListError: Error, Sendable, Equatable {
    /// No store keeps block lists, or it failed.
    case unavailable
    /// The list would hold more than `BlockList.maximumCount` addresses.
    case tooMany
}

extension ChatSession {
    /// Blocks `addresses` for this session's user (XEP-0191 §5.3).
    public func block(_ addresses: [BlockedAddress]) async throws(BlockListError) {
        try await service.changeBlockList(of: user) { list throws(BlockListError) in
            let added = addresses.filter { list.addresses.insert($0).inserted }
            return added.isEmpty ? nil : .blocked(added)
        }
    }

    /// Unblocks `addresses`, or every address when nil (XEP-0191 §5.4, §5.5).
    public func unblock(_ addresses: [BlockedAddress]?) async throws(BlockListError) {
        try await service.changeBlockList(of: user) { list throws(BlockListError) in
            guard let addresses else {
                guard !list.addresses.isEmpty else { return nil }
                list.addresses.removeAll()
                return .unblockedAll
            }
            let removed = addresses.filter { list.addresses.remove($0) != nil }
            return removed.isEmpty ? nil : .unblocked(removed)
        }
    }

    /// This session's user's block list (XEP-0191 §5.1).
    public func blockList() async -> BlockList {
        guard let name = user.username else { return BlockList() }
        return await service.blockList(of: name)
    }
}
