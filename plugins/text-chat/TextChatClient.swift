import Logging
import ParleyCore
import ParleyCred
import Synchronization

/// Where a text-chat client's reply lines go; the session mind that also receives the
/// service's events for the client.
protocol TextChatLineWriter: SessionMind {
    func write(_ lines: [String])
}

/// What one text-chat client does with its lines, without any I/O of its own: the login
/// against the portal, the commands against its chat session, and the reply of each as
/// lines to its writer. `TextChatConnection` feeds it lines in order and closes the
/// connection when `handle` says so.
final class TextChatClient: Sendable {
    let portal: Portal<ChatRealm>
    let chat: ChatService
    let logger: Logger
    let writer: any TextChatLineWriter

    private struct State {
        var login: Login<ChatAccount>?
        var session: ChatSession?
        var nicks: [RoomID: Nickname] = [:]
        var failedLogins = 0
    }
    private let state = Mutex(State())

    /// Logins refused before the connection is closed.
    static let maximumFailedLogins = 3

    init(portal: Portal<ChatRealm>, chat: ChatService, logger: Logger, writer: any TextChatLineWriter) {
        self.portal = portal
        self.chat = chat
        self.logger = logger
        self.writer = writer
    }

    var isLoggedIn: Bool { state.withLock { $0.session != nil } }

    func write(_ line: String) {
        writer.write([line])
    }

    /// Runs one line; returns false when the connection should close.
    func handle(_ line: String) async -> Bool {
        let command: TextChatCommand
        do {
            command = try TextChatCommand.parse(line, domain: chat.domain, isServiceDomain: chat.hasComponent(for:))
        } catch {
            write("ERR \(error.code) \(error.message)")
            return true
        }
        switch command {
        case .help:
            writer.write(TextChatCommand.usage.values.sorted().map { "HELP \($0)" })
            return true
        case .quit:
            write("BYE")
            return false
        case .ping(let token):
            write("PONG" + (token.map { " " + TextChatRenderer.clean($0) } ?? ""))
            return true
        case .login(let user, let password):
            return await login(user: user, password: password)
        default:
            guard let session = state.withLock({ $0.session }) else {
                write("ERR not-logged-in LOGIN <user> <password> first")
                return true
            }
            await run(command, in: session)
            return true
        }
    }

    private func login(user: String, password: String) async -> Bool {
        guard !isLoggedIn else {
            write("ERR already-logged-in")
            return true
        }
        do {
            let login = try await portal.login(UsernamePassword(username: user, password: password))
            let session = try await login.avatar.openSession(resource: nil, mind: writer)
            state.withLock {
                $0.login = login
                $0.session = session
            }
            write("OK logged in as \(session.id)")
            await session.setPresence(Presence())
            return true
        } catch {
            logger.notice("login refused", metadata: ["user": "\(user)", "error": "\(error)"])
            // The store could not answer (LDAP down, a corrupt record): say so, and do not
            // count it against the user as a guess.
            if let refusal = error as? CredentialError, refusal.condition == .temporaryAuthFailure {
                write("ERR temporary-auth-failure the account store cannot be reached; try again later")
                return true
            }
            let failures = state.withLock {
                $0.failedLogins += 1
                return $0.failedLogins
            }
            write("ERR not-authorized wrong user name or password")
            return failures < Self.maximumFailedLogins
        }
    }

    private func run(_ command: TextChatCommand, in session: ChatSession) async {
        do {
            switch command {
            case .join(let room, let requested):
                let nick = requested ?? state.withLock { $0.nicks[room] } ?? Nickname(session.user.localpart) ?? Nickname("guest")!
                try await session.join(room, as: nick)
                state.withLock { $0.nicks[room] = nick }
            case .part(let room, let message):
                await session.leave(room, message: message)
                state.withLock { $0.nicks[room] = nil }
                write("OK left #\(room)")
            case .say(let room, let text):
                try await session.send(Message(kind: .room, from: .session(session.id), to: .room(room), body: text))
            case .me(let room, let text):
                try await session.send(
                    Message(kind: .room, from: .session(session.id), to: .room(room), body: text,
                            payloads: [ExtensionPayload(meaning: .action)]))
            case .msg(let user, let text):
                try await session.send(Message(kind: .chat, from: .session(session.id), to: .user(user), body: text))
                write("OK sent to \(user)")
            case .nick(let room, let nick):
                try await session.changeNick(in: room, to: nick)
                state.withLock { $0.nicks[room] = nick }
            case .topic(let room, let text):
                try await session.setTopic(text, in: room)
            case .away(let message):
                await session.setPresence(Presence(.away, status: message))
                write("OK away")
            case .back:
                await session.setPresence(Presence())
                write("OK back")
            case .who(let room):
                guard let found = chat.room(room) else { throw RoomError.noSuchRoom }
                let occupants = await found.snapshot.occupants.values.sorted { $0.nick.key < $1.nick.key }
                writer.write(
                    occupants.map { "WHO #\(room) \($0.nick) \($0.role.rawValue) \($0.presence.availability.rawValue)" }
                        + ["OK \(occupants.count) in #\(room)"])
            case .login, .quit, .help, .ping:
                break
            }
        } catch let error as RoomError {
            write("ERR \(Self.code(error))")
        } catch let error as DeliveryError {
            switch error {
            case .recipientUnavailable: write("ERR recipient-unavailable")
            case .notRoutable(let domain): write("ERR not-routable \(domain)")
            case .room(let room): write("ERR \(Self.code(room))")
            case .sessionClosed: write("ERR session-closed")
            case .invalidSender: write("ERR invalid-sender")
            }
        } catch {
            write("ERR internal")
            logger.error("command failed", metadata: ["error": "\(error)"])
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
                state.session = nil
                state.login = nil
            }
            return (state.session, state.login)
        }
        await session?.close()
        await login?.logout()
    }
}
