import ParleyCore
import Synchronization

/// The chat service as a cred realm: a successful login yields a `ChatAccount`, through
/// which the adapter opens the user's sessions once the protocol is ready (after XMPP
/// resource binding, after IRC registration).
public struct ChatRealm: Realm {
    public let service: ChatService

    public init(service: ChatService) {
        self.service = service
    }

    public func requestAvatar(for user: Username, mind: Void) async throws -> (
        avatar: ChatAccount, logout: @Sendable () async -> Void
    ) {
        try await requestAvatar(for: user, mind: mind, anonymous: false)
    }

    /// An anonymous login gets a guest's avatar: its sessions are guests in the model
    /// (`ChatSession.isGuest`, `Occupant.isGuest`).
    public func requestAvatar(for user: Username, mind: Void, anonymous: Bool) async throws -> (
        avatar: ChatAccount, logout: @Sendable () async -> Void
    ) {
        let account = ChatAccount(user: UserID(user, domain: service.domain), service: service, guest: anonymous)
        return (account, { await account.closeAll() })
    }
}

/// The avatar of a logged-in user: opens sessions for that user only, and closes them all
/// at logout.
public final class ChatAccount: Sendable {
    public let user: UserID
    public let service: ChatService
    /// True for a guest: an anonymous login under a generated name.
    public let isGuest: Bool
    private let sessions = Mutex<[ChatSession]>([])

    init(user: UserID, service: ChatService, guest: Bool = false) {
        self.user = user
        self.service = service
        self.isGuest = guest
    }

    /// Opens a session of this user (see `ChatService.openSession`); a guest's sessions are
    /// guests.
    public func openSession(resource: String?, mind: any SessionMind) async throws(SessionError) -> ChatSession {
        let session = try await service.openSession(for: user, resource: resource, guest: isGuest, mind: mind)
        sessions.withLock { $0.append(session) }
        return session
    }

    /// Closes every session opened through this account.
    func closeAll() async {
        let open = sessions.withLock { sessions in
            defer { sessions.removeAll() }
            return sessions
        }
        for session in open { await session.close() }
    }
}
