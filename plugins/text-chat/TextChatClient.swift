import Logging
import ParleyCore
import ParleyCred
import Synchronization

/// What one client of the text-chat plugin does with its commands, without any I/O or
/// framing of its own: the login against the portal, the commands against its chat
/// session, and a `ChatReply` for each. Both faces use it: `TextChatConnection` feeds it
/// parsed lines, the JSON event API parsed objects; each renders the replies and closes
/// the connection on `.goodbye` or when the client is told to go.
final class TextChatClient: Sendable {
    let portal: Portal<ChatRealm>
    let chat: ChatService
    let logger: Logger
    /// The session mind the service delivers this client's events to.
    let mind: any SessionMind

    private struct State {
        var login: Login<ChatAccount>?
        var session: ChatSession?
        var nicks: [RoomID: Nickname] = [:]
        var failedLogins = 0
        /// Set by `close()`: a login still under way when the connection ended is undone.
        var closed = false
    }
    private let state = Mutex(State())

    /// Logins refused before the connection is closed.
    static let maximumFailedLogins = 3

    init(portal: Portal<ChatRealm>, chat: ChatService, logger: Logger, mind: any SessionMind) {
        self.portal = portal
        self.chat = chat
        self.logger = logger
        self.mind = mind
    }

    var isLoggedIn: Bool { state.withLock { $0.session != nil } }

    /// What one command came to: its replies, whether the connection stays open, and a
    /// session that has just logged in and is to announce itself once the replies are out.
    private typealias Outcome = (replies: [ChatReply], keepOpen: Bool, announce: ChatSession?)

    /// Runs one command and hands its replies, in order, to `reply`; returns false when the
    /// connection should close (after `.goodbye`, or a refused login that used up the
    /// allowed guesses). A new session's available presence follows its `.loggedIn`, so
    /// the events it brings arrive after the reply.
    func handle(_ command: TextChatCommand, reply: ([ChatReply]) -> Void) async -> Bool {
        let outcome = await perform(command)
        reply(outcome.replies)
        await outcome.announce?.setPresence(Presence())
        return outcome.keepOpen
    }

    private func perform(_ command: TextChatCommand) async -> Outcome {
        switch command {
        case .help:
            return ([.usage(TextChatCommand.usage.values.sorted())], true, nil)
        case .quit:
            return ([.goodbye], false, nil)
        case .ping(let token):
            return ([.pong(token)], true, nil)
        case .login(let user, let password):
            return await login(user: user, password: password)
        default:
            guard let session = state.withLock({ $0.session }) else {
                return ([.refused(code: "not-logged-in", message: "LOGIN <user> <password> first")], true, nil)
            }
            return ([await run(command, in: session)], true, nil)
        }
    }

    private func login(user: String, password: String) async -> Outcome {
        guard !isLoggedIn else { return ([.refused(code: "already-logged-in", message: nil)], true, nil) }
        do {
            let login = try await portal.login(UsernamePassword(username: user, password: password))
            let session = try await login.avatar.openSession(resource: nil, mind: mind)
            let kept = state.withLock { state in
                guard !state.closed else { return false }
                state.login = login
                state.session = session
                return true
            }
            guard kept else {
                // The connection ended while the portal answered: nobody is there to use it.
                await session.close()
                await login.logout()
                return ([], false, nil)
            }
            return ([.loggedIn(session.id)], true, session)
        } catch {
            logger.notice("login refused", metadata: ["user": "\(user)", "error": "\(error)"])
            // The store could not answer (LDAP down, a corrupt record): say so, and do not
            // count it against the user as a guess.
            if let refusal = error as? CredentialError, refusal.condition == .temporaryAuthFailure {
                return (
                    [.refused(code: "temporary-auth-failure", message: "the account store cannot be reached; try again later")],
                    true, nil
                )
            }
            let failures = state.withLock {
                $0.failedLogins += 1
                return $0.failedLogins
            }
            return (
                [.refused(code: "not-authorized", message: "wrong user name or password")],
                failures < Self.maximumFailedLogins, nil
            )
        }
    }

    private func run(_ command: TextChatCommand, in session: ChatSession) async -> ChatReply {
        do {
            switch command {
            case .join(let room, let requested):
                let nick = requested ?? state.withLock { $0.nicks[room] } ?? Nickname(session.user.localpart) ?? Nickname("guest")!
                try await session.join(room, as: nick)
                state.withLock { $0.nicks[room] = nick }
            case .part(let room, let message):
                await session.leave(room, message: message)
                state.withLock { $0.nicks[room] = nil }
            case .say(let room, let text):
                try await session.send(Message(kind: .room, from: .session(session.id), to: .room(room), body: text))
            case .me(let room, let text):
                try await session.send(
                    Message(kind: .room, from: .session(session.id), to: .room(room), body: text,
                            payloads: [ExtensionPayload(meaning: .action)]))
            case .msg(let user, let text):
                try await session.send(Message(kind: .chat, from: .session(session.id), to: .user(user), body: text))
            case .nick(let room, let nick):
                try await session.changeNick(in: room, to: nick)
                state.withLock { $0.nicks[room] = nick }
            case .topic(let room, let text):
                try await session.setTopic(text, in: room)
            case .away(let message):
                await session.setPresence(Presence(.away, status: message))
            case .back:
                await session.setPresence(Presence())
            case .contacts:
                let list = try await session.contactList()
                return .contacts(list.contacts.values.sorted { $0.address.description < $1.address.description })
            case .subscription(let request, let user):
                try await session.sendSubscription(request, to: user)
            case .who(let room):
                guard let found = chat.room(room) else { throw RoomError.noSuchRoom }
                let occupants = await found.snapshot.occupants.values.sorted { $0.nick.key < $1.nick.key }
                return .occupants(room, occupants)
            case .login, .quit, .help, .ping:
                break
            }
            return .done(command)
        } catch let error as RoomError {
            return .refused(code: Self.code(error), message: nil)
        } catch let error as DeliveryError {
            switch error {
            case .recipientUnavailable: return .refused(code: "recipient-unavailable", message: nil)
            case .notRoutable(let domain): return .refused(code: "not-routable", message: domain)
            case .room(let room): return .refused(code: Self.code(room), message: nil)
            case .sessionClosed: return .refused(code: "session-closed", message: nil)
            case .invalidSender: return .refused(code: "invalid-sender", message: nil)
            case .blockedBySender: return .refused(code: "blocked", message: nil)
            // XEP-0191 §5.3: the blocking side is not revealed.
            case .blockedByRecipient: return .refused(code: "recipient-unavailable", message: nil)
            }
        } catch {
            logger.error("command failed", metadata: ["error": "\(error)"])
            return .refused(code: "internal", message: nil)
        }
    }

    static func code(_ error: RoomError) -> String {
        switch error {
        case .banned: "banned"
        case .membersOnly: "members-only"
        case .badPassword: "bad-password"
        case .full: "room-full"
        case .nicknameInUse: "nickname-in-use"
        case .notInRoom: "not-in-room"
        case .notAllowed: "not-allowed"
        case .noSuchOccupant: "no-such-occupant"
        case .noSuchRoom: "no-such-room"
        case .locked: "room-locked"
        case .tooFast: "too-fast"
        case .cannotSpeak: "cannot-speak"
        case .banListFull: "ban-list-full"
        case .tooManyRooms: "too-many-rooms"
        case .roomLimitReached: "room-limit-reached"
        case .invalid(let why): "invalid \(why)"
        case .sessionClosed: "session-closed"
        }
    }

    /// Ends the session and the login; safe to call more than once.
    func close() async {
        let (session, login) = state.withLock { state in
            defer {
                state.closed = true
                state.session = nil
                state.login = nil
            }
            return (state.session, state.login)
        }
        await session?.close()
        await login?.logout()
    }
}
