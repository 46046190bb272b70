import ParleyCore
import Synchronization

/// The model sessions of this process's relay bots (irc-bridge, xmpp-bridge). Bridges of
/// one room see each other's posts as room messages: a post by another relay bot already
/// names its sender in its body, so it is relayed as it is, without a second prefix.
final class RelaySessions: Sendable {
    /// The one registry of the process.
    static let shared = RelaySessions()
    private let sessions = Mutex<Set<SessionID>>([])

    func insert(_ session: SessionID) { sessions.withLock { _ = $0.insert(session) } }
    func remove(_ session: SessionID) { sessions.withLock { _ = $0.remove(session) } }
    func contains(_ session: SessionID) -> Bool { sessions.withLock { $0.contains(session) } }
}

extension RelaySessions {
    /// Opens a relay bot's guest session (`relay-<nick>`), registers it and joins `room` as
    /// `nick`; the room's events arrive, in order, on the stream.
    func open(in room: RoomID, as nick: Nickname, chat: ChatService) async throws -> (ChatSession, AsyncStream<ChatEvent>) {
        let (events, inbox) = AsyncStream.makeStream(of: ChatEvent.self, bufferingPolicy: .bufferingOldest(10_000))
        let session = try await chat.openSession(
            for: UserID(localpart: "relay-\(nick.key)", domain: chat.domain), guest: true, mind: RelayMind(inbox))
        insert(session.id)
        try await session.join(room, as: nick)
        return (session, events)
    }

    /// Forgets and closes a session `open` made.
    func close(_ session: ChatSession) async {
        remove(session.id)
        await session.close()
    }
}
