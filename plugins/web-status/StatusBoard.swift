import ParleyCore
import Synchronization

/// What one status page shows, already filtered by the user's settings: the read model
/// the HTTP side renders as HTML or JSON.
public struct StatusView: Sendable, Equatable {
    /// `online`, `chat`, `away`, `xa`, `dnd` or `offline`.
    public var availability: String
    /// The status message, when the user shows it and has one.
    public var status: String?
    /// The user's bare JID, when the user shows it.
    public var jid: String?

    public init(availability: String, status: String? = nil, jid: String? = nil) {
        self.availability = availability
        self.status = status
        self.jid = jid
    }

    /// The page's availability word for a model presence (RFC 6121 §4.7.2.1 `<show/>`
    /// values; plain available is `online`, unavailable is `offline`).
    public static func availability(of presence: Presence) -> String {
        switch presence.availability {
        case .available: "online"
        case .unavailable: "offline"
        case .chat, .away, .xa, .dnd: presence.availability.rawValue
        }
    }
}

/// The component's state shared by its two sides: the registrations (kept in step with
/// the store by the component) and the presence of registered users. XMPP events write
/// it; HTTP requests read a `StatusView` from it. One lock, held only to copy or update.
public final class StatusBoard: Sendable {
    private struct State {
        var registrations: RegistrationTable
        var presence: PresenceTracker
    }
    private let state: Mutex<State>

    public init(registrations: RegistrationTable, tracker: PresenceTracker) {
        state = Mutex(State(registrations: registrations, presence: tracker))
    }

    /// Every registration now.
    public var registrations: RegistrationTable { state.withLock { $0.registrations } }

    /// The registration of `user`.
    public func registration(of user: UserID) -> StatusRegistration? { state.withLock { $0.registrations[user] } }

    /// Replaces the registrations (after the store wrote them); the presence of users no
    /// longer registered is forgotten.
    public func commit(_ registrations: RegistrationTable) {
        state.withLock { state in
            let before = state.registrations
            state.registrations = registrations
            for old in before.all where registrations[old.user] == nil { state.presence.forget(old.user) }
        }
    }

    /// Records the presence of a session; ignored unless its user is registered.
    public func observe(_ presence: Presence, from session: SessionID) {
        state.withLock { state in
            guard state.registrations[session.user] != nil else { return }
            state.presence.update(session, presence)
        }
    }

    /// Forgets the presence of `user` (its subscription was revoked).
    public func forgetPresence(of user: UserID) { state.withLock { $0.presence.forget(user) } }

    /// Forgets every presence (before probing everyone again).
    public func forgetAllPresence() { state.withLock { $0.presence.forgetAll() } }

    /// The derived presence of `user`.
    public func presence(of user: UserID) -> Presence { state.withLock { $0.presence.presence(of: user) } }

    /// The page with id `id`, nil when no registration has it.
    public func view(forID id: String) -> StatusView? {
        state.withLock { state in
            guard let registration = state.registrations.registration(forID: id) else { return nil }
            let presence = state.presence.presence(of: registration.user)
            var view = StatusView(availability: StatusView.availability(of: presence))
            if registration.settings.showStatusMessage, let status = presence.status, !status.isEmpty {
                view.status = status
            }
            if registration.settings.showJID { view.jid = registration.user.description }
            return view
        }
    }
}
