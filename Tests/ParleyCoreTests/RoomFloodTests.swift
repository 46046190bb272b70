import Foundation
import Testing

@testable import ParleyCore

/// What a peer controls in a room is bounded: how fast a session enters rooms and changes
/// its room presence, and how long a subject is.
@Suite("Chat service: room floods")
struct RoomFloodTests {
    @Test func aJoinAndLeaveFloodIsRefusedBeyondTheBurstAndOthersHearOnlyThatMuch() async throws {
        let service = makeService { $0.roomPresenceBurst = 20 }
        let watcherMind = RecordingMind()
        let watcher = try await service.openSession(for: user("alice"), resource: "r", mind: watcherMind)
        let dev = roomID("dev")
        try await watcher.join(dev, as: nick("alice"))
        let flooder = try await service.openSession(for: user("mallory"), resource: "r", mind: RecordingMind())
        var refused = 0
        let started = ContinuousClock.now
        for _ in 0..<200 {
            do {
                try await flooder.join(dev, as: nick("mallory"))
                await flooder.leave(dev)
            } catch {
                #expect(error == .tooFast)
                refused += 1
            }
        }
        // The bucket refills at 5 changes a second (the default): a slow machine earns a few more.
        let elapsed = ContinuousClock.now - started
        let refilled = Int((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 5) + 1
        #expect(refused >= 170 - refilled, "most of the flood is refused")
        let joins = watcherMind.roomEvents(dev).filter {
            if case .occupantJoined = $0 { return true }
            return false
        }
        #expect(joins.count <= 25 + refilled / 2 + 1, "the room told alice of \(joins.count) joins in \(elapsed)")
        await closeAll([watcher, flooder])
    }

    @Test func anOversizedSubjectIsRefused() async throws {
        let service = makeService()
        let alice = try await service.openSession(for: user("alice"), resource: "r", mind: RecordingMind())
        let dev = roomID("dev")
        try await alice.join(dev, as: nick("alice"))
        do {
            try await alice.setTopic(String(repeating: "s", count: Topic.maximumBytes + 1), in: dev)
            Issue.record("an oversized subject was taken")
        } catch {
            #expect(error == .invalid("the subject is longer than \(Topic.maximumBytes) bytes"))
        }
        try await alice.setTopic(String(repeating: "s", count: Topic.maximumBytes), in: dev)
        #expect(await service.room(dev)?.snapshot.topic?.text.count == Topic.maximumBytes)
        await alice.close()
    }
}
