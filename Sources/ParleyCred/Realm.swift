import ParleyCore
import Synchronization

/// Hands out avatars — the objects through which an authenticated user acts — as a realm
/// does in Twisted's cred. The chat service is the realm of `parleyd`.
public protocol Realm: Sendable {
    /// What a successful login yields.
    associatedtype Avatar: Sendable
    /// The client side's object (Twisted's "mind") that the avatar may call back; `Void`
    /// when a realm does not need one.
    associatedtype Mind: Sendable = Void

    /// The avatar of `user`, who has just proved who they are, and what ends its use.
    /// Throwing a `CredentialError` passes it to the peer (for instance `accountDisabled`);
    /// any other error becomes `temporaryFailure`.
    func requestAvatar(for user: Username, mind: Mind) async throws -> (
        avatar: Avatar, logout: @Sendable () async -> Void
    )

    /// The avatar of `user`; `anonymous` when the user proved nothing and got a generated
    /// name (SASL ANONYMOUS, an IRC guest: `AnonymousCredentials`), so that the realm can
    /// hand out a guest's avatar. By default the same as `requestAvatar(for:mind:)`.
    func requestAvatar(for user: Username, mind: Mind, anonymous: Bool) async throws -> (
        avatar: Avatar, logout: @Sendable () async -> Void
    )
}

extension Realm {
    public func requestAvatar(for user: Username, mind: Mind, anonymous: Bool) async throws -> (
        avatar: Avatar, logout: @Sendable () async -> Void
    ) {
        try await requestAvatar(for: user, mind: mind)
    }
}

/// The result of a successful login: who logged in, their avatar, and the way out.
public final class Login<Avatar: Sendable>: Sendable {
    /// The normalized account name (the avatar ID, in cred's terms).
    public let avatarID: Username
    /// What the realm handed out.
    public let avatar: Avatar
    /// True for an anonymous login (`AnonymousCredentials`): a guest under a generated name.
    public let anonymous: Bool
    private let logoutAction: Mutex<(@Sendable () async -> Void)?>

    /// A login whose `logout()` runs `logout` once.
    public init(
        avatarID: Username, avatar: Avatar, anonymous: Bool = false, logout: @escaping @Sendable () async -> Void
    ) {
        self.avatarID = avatarID
        self.avatar = avatar
        self.anonymous = anonymous
        self.logoutAction = Mutex(logout)
    }

    /// Tells the realm the avatar is no longer used. Idempotent: only the first call runs
    /// the realm's logout, whichever task makes it.
    public func logout() async {
        let action = logoutAction.withLock { action in
            let taken = action
            action = nil
            return taken
        }
        await action?()
    }

    /// Whether `logout()` has been called.
    public var isLoggedOut: Bool { logoutAction.withLock { $0 == nil } }
}
