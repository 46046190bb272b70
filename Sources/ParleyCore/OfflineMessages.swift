import Synchronization

/// Where a message for a local user with no session that takes it waits (XMPP offline
/// storage, RFC 6121 §8.5.2.2): attached by the adapter that owns the storage (xmpp-c2s),
/// used by every adapter that receives messages for local users from elsewhere (a remote
/// server, a component), so that none of them bounces what a local client would have kept.
public protocol OfflineMessageStore: Sendable {
    /// Keeps `message`, addressed to `user`, until one of the user's sessions takes it.
    func keep(_ message: Message, for user: Username) async -> OfflineOutcome
}

/// What became of a message handed to offline storage.
public enum OfflineOutcome: Sendable, Equatable {
    case kept
    /// The user has no account: nothing to keep it for (RFC 6121 §8.5.2.1).
    case noSuchAccount
    /// The user's storage is full.
    case full
    case failed
}

extension ChatService {
    /// Attaches the store offline messages wait in; the last one attached is used.
    public func attachOfflineStore(_ store: any OfflineMessageStore) {
        offline.withLock { $0 = store }
    }

    /// The attached offline store, if any.
    public var offlineStore: (any OfflineMessageStore)? { offline.withLock { $0 } }

    /// Keeps `message` for the local user it is addressed to when no session took it:
    /// chat, normal and notice messages only (§8.5.2.1.1); nil when no store is attached,
    /// the message is of another kind, or it is not for a local user.
    public func keepOffline(_ message: Message) async -> OfflineOutcome? {
        guard message.kind == .chat || message.kind == .normal || message.kind == .notice,
            let user = message.to.user, user.domain == domain, let name = user.username, let store = offlineStore
        else { return nil }
        // XEP-0313: a kept message is archived for its recipient, under the id it carries.
        var message = message
        message.archiveID = await incomingArchiveID(for: message, user: name)
        let outcome = await store.keep(message, for: name)
        if outcome == .kept { archiveKeptOffline(message, user: name) }
        return outcome
    }
}
