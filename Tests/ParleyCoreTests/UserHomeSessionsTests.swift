import ParleyCore
import Testing

/// A user's sessions as they come and go: the first is kept apart from the others
/// (UserHomeSessions), so the one that opened first closing, and the user going from
/// several sessions to one and back, must lose no session.
@Suite("Chat service: a user's sessions coming and going")
struct UserHomeSessionsTests {
    /// Sends a chat message to bob's bare address and returns which of `minds` got it.
    func reached(_ minds: [String: RecordingMind], from alice: ChatSession, body: String) async throws -> Set<String> {
        try await alice.send(Message(kind: .chat, from: .session(alice.id), to: .user(user("bob")), body: body))
        return Set(minds.filter { $0.value.messages.contains { $0.body == body } }.keys)
    }

    @Test func theFirstSessionClosingLeavesTheOthersReachable() async throws {
        let service = makeService()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        var minds: [String: RecordingMind] = [:]
        var sessions: [String: ChatSession] = [:]
        for name in ["first", "second", "third"] {
            let mind = RecordingMind()
            minds[name] = mind
            sessions[name] = try await service.openSession(for: user("bob"), resource: name, mind: mind)
            await sessions[name]!.setPresence(Presence())
        }
        #expect(try await reached(minds, from: alice, body: "all") == ["first", "second", "third"])

        await sessions["first"]!.close()
        #expect(try await reached(minds, from: alice, body: "two") == ["second", "third"])

        await sessions["third"]!.close()
        #expect(try await reached(minds, from: alice, body: "one") == ["second"])

        let mind = RecordingMind()
        minds["fourth"] = mind
        sessions["fourth"] = try await service.openSession(for: user("bob"), resource: "fourth", mind: mind)
        await sessions["fourth"]!.setPresence(Presence())
        #expect(try await reached(minds, from: alice, body: "again") == ["second", "fourth"])

        await sessions["second"]!.close()
        await sessions["fourth"]!.close()
        await #expect(throws: DeliveryError.recipientUnavailable) {
            _ = try await reached(minds, from: alice, body: "nobody")
        }
        // A closed resource name can be used again.
        let back = try await service.openSession(for: user("bob"), resource: "first", mind: RecordingMind())
        await back.setPresence(Presence())
        await closeAll([back, alice])
    }
}
