import Foundation
import ParleyCore
import Synchronization
import Testing

/// The model's copies of a user's conversations (XEP-0280 carbons) and its archiving of
/// one-to-one messages (XEP-0313 for accounts).
@Suite("Conversation copies and user archives")
struct ConversationCopyTests {
    /// A user archive in memory: what the model appended, by owner.
    final class MemoryArchive: UserArchive {
        let appended = Mutex<[Username: [ArchivedMessage]]>([:])
        let preferences = Mutex<[Username: ArchivePreferences]>([:])

        func append(_ message: ArchivedMessage, for user: Username) { appended.withLock { $0[user, default: []].append(message) } }
        func query(_ user: Username, _ query: ArchiveQuery) throws(ArchiveQueryError) -> ArchivePage {
            try query.page(of: messages(of: user))
        }
        func preferences(of user: Username) -> ArchivePreferences { preferences.withLock { $0[user] ?? ArchivePreferences() } }
        func setPreferences(_ preferences: ArchivePreferences, of user: Username) throws(ArchiveQueryError) {
            self.preferences.withLock { $0[user] = preferences }
        }
        func removeArchive(of user: Username) { appended.withLock { $0[user] = nil } }
        func messages(of user: Username) -> [ArchivedMessage] { appended.withLock { $0[user] ?? [] } }
    }

    /// alice on two resources (r1 with copies if asked), bob on one; all available.
    func conversation(copies: Bool) async throws -> (ChatService, [ChatSession], [RecordingMind]) {
        let service = makeService()
        let minds = [RecordingMind(), RecordingMind(), RecordingMind()]
        let r1 = try await service.openSession(for: user("alice"), resource: "r1", mind: minds[0])
        let r2 = try await service.openSession(for: user("alice"), resource: "r2", mind: minds[1])
        let bob = try await service.openSession(for: user("bob"), resource: "b", mind: minds[2])
        for session in [r1, r2, bob] { await session.setPresence(Presence(.available, priority: 0)) }
        if copies { await r2.receiveCopies(true) }
        for mind in minds { mind.clear() }
        return (service, [r1, r2, bob], minds)
    }

    func copies(_ mind: RecordingMind) -> [(Message, MessageCopy)] {
        mind.events.compactMap { if case .copy(let message, let direction) = $0 { (message, direction) } else { nil } }
    }

    @Test func aSessionThatAsksSeesWhatItsSiblingSendsAndReceives() async throws {
        let (_, sessions, minds) = try await conversation(copies: true)
        try await sessions[0].send(Message(kind: .chat, from: .session(sessions[0].id), to: .user(user("bob")), body: "hi"))
        #expect(minds[2].messages.map(\.body) == ["hi"])
        let sent = copies(minds[1])
        #expect(sent.count == 1 && sent.first?.1 == .sent && sent.first?.0.body == "hi")
        #expect(sent.first?.0.from == .session(sessions[0].id))

        // bob answers r1 itself: r1 gets the message, r2 a received copy, r1 no copy.
        try await sessions[2].send(Message(kind: .chat, from: .session(sessions[2].id), to: .session(sessions[0].id), body: "yo"))
        #expect(minds[0].messages.map(\.body) == ["yo"])
        #expect(copies(minds[0]).isEmpty)
        let received = copies(minds[1]).filter { $0.1 == .received }
        #expect(received.map(\.0.body) == ["yo"])
        await closeAll(sessions)
    }

    @Test func noCopiesUnlessAskedForNorForPrivateOrHeadlineMessages() async throws {
        let (_, sessions, minds) = try await conversation(copies: false)
        try await sessions[0].send(Message(kind: .chat, from: .session(sessions[0].id), to: .user(user("bob")), body: "a"))
        #expect(copies(minds[1]).isEmpty)

        await sessions[1].receiveCopies(true)
        try await sessions[0].send(
            Message(kind: .chat, from: .session(sessions[0].id), to: .user(user("bob")), body: "secret", hints: .noCopy))
        try await sessions[2].send(Message(kind: .headline, from: .session(sessions[2].id), to: .session(sessions[0].id), body: "news"))
        #expect(copies(minds[1]).isEmpty)
        #expect(minds[2].messages.map(\.body) == ["a", "secret"])

        await sessions[1].receiveCopies(false)
        try await sessions[0].send(Message(kind: .chat, from: .session(sessions[0].id), to: .user(user("bob")), body: "b"))
        #expect(copies(minds[1]).isEmpty)
        await closeAll(sessions)
    }

    @Test func bothSidesArchiveUnderOneIdAndTheRecipientSeesIt() async throws {
        let (service, sessions, minds) = try await conversation(copies: false)
        let archive = MemoryArchive()
        service.attachUserArchive(archive)
        try await sessions[0].send(Message(id: "c1", kind: .chat, from: .session(sessions[0].id), to: .user(user("bob")), body: "hi"))
        let mine = archive.messages(of: Username("alice")!)
        let theirs = archive.messages(of: Username("bob")!)
        #expect(mine.count == 1 && theirs.count == 1)
        #expect(mine.first?.peer == .user(user("bob")))
        #expect(theirs.first?.peer == .session(sessions[0].id))
        let delivered = try #require(minds[2].messages.first)
        #expect(delivered.archiveID != nil && delivered.archiveID == theirs.first?.id)
        #expect(delivered.id == "c1")  // the sender's own id is untouched

        // Chat states alone, headlines and no-store messages are not archived.
        try await sessions[0].send(
            Message(kind: .chat, from: .session(sessions[0].id), to: .user(user("bob")), payloads: [ExtensionPayload(meaning: .typing(.composing))]))
        try await sessions[0].send(Message(kind: .headline, from: .session(sessions[0].id), to: .user(user("bob")), body: "h"))
        try await sessions[0].send(
            Message(kind: .chat, from: .session(sessions[0].id), to: .user(user("bob")), body: "x", hints: .noStore))
        #expect(archive.messages(of: Username("alice")!).count == 1)
        #expect(archive.messages(of: Username("bob")!).count == 1)
        await closeAll(sessions)
    }

    @Test func preferencesDecideWhatIsArchived() async throws {
        let (service, sessions, _) = try await conversation(copies: false)
        let archive = MemoryArchive()
        service.attachUserArchive(archive)
        try archive.setPreferences(ArchivePreferences(default: .never, always: [user("carol")]), of: Username("alice")!)
        try archive.setPreferences(ArchivePreferences(default: .roster), of: Username("bob")!)
        try await sessions[0].send(Message(kind: .chat, from: .session(sessions[0].id), to: .user(user("bob")), body: "1"))
        // alice archives nothing with bob; bob has no contacts, so nothing either.
        #expect(archive.messages(of: Username("alice")!).isEmpty)
        #expect(archive.messages(of: Username("bob")!).isEmpty)
        try await sessions[2].updateContact(user("alice"), name: nil, groups: [])
        try await sessions[0].send(Message(kind: .chat, from: .session(sessions[0].id), to: .user(user("bob")), body: "2"))
        #expect(archive.messages(of: Username("bob")!).map(\.message.body) == ["2"])
        await closeAll(sessions)
    }

    @Test func aConversationQueryFollowsThePeerBothWays() throws {
        let alice = user("alice"), bob = user("bob"), carol = user("carol")
        func archived(_ id: String, from: Address, to: Address, peer: Address) -> ArchivedMessage {
            var message = Message(kind: .chat, from: from, to: to, body: id, timestamp: Date())
            message.archiveID = id
            return ArchivedMessage(message: message, sender: from.user, peer: peer)
        }
        let bobPhone = SessionID(user: bob, resource: "phone")
        let all = [
            archived("1", from: .user(alice), to: .user(bob), peer: .user(bob)),
            archived("2", from: .session(bobPhone), to: .user(alice), peer: .session(bobPhone)),
            archived("3", from: .user(alice), to: .user(carol), peer: .user(carol)),
        ]
        var query = ArchiveQuery(max: 10)
        query.with = .peer(bob, resource: nil)
        #expect(try query.page(of: all).messages.map(\.id) == ["1", "2"])
        query.with = .peer(bob, resource: "phone")
        #expect(try query.page(of: all).messages.map(\.id) == ["2"])
    }
}
