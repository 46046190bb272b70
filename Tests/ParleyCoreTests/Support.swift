import Foundation
import ParleyCore
import Synchronization
import Testing

/// Thrown by a `RecordingMind` that was told to fail, as an unreachable connection would.
struct MindUnreachable: Error {}

/// A test session mind: records every event it is handed, and throws instead when told to.
final class RecordingMind: SessionMind {
    private struct State {
        var events: [ChatEvent] = []
        var failing = false
        var refused = 0
    }

    let protocolFamily: ProtocolFamily
    private let state: Mutex<State>

    init(_ family: ProtocolFamily = .xmpp, failing: Bool = false) {
        self.protocolFamily = family
        self.state = Mutex(State(failing: failing))
    }

    func deliver(_ event: ChatEvent) throws {
        try state.withLock { state throws(MindUnreachable) in
            if state.failing {
                state.refused += 1
                throw MindUnreachable()
            }
            state.events.append(event)
        }
    }

    /// Every event received so far, in order.
    var events: [ChatEvent] { state.withLock { $0.events } }

    /// How many deliveries this mind refused.
    var refused: Int { state.withLock { $0.refused } }

    /// From now on, every delivery throws (or succeeds again).
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    /// Forgets what was received so far.
    func clear() { state.withLock { $0.events.removeAll() } }

    /// The messages received (direct or bare).
    var messages: [Message] {
        events.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }

    /// The room events received for `room`, in order.
    func roomEvents(_ room: RoomID) -> [RoomEvent] {
        events.compactMap { event in
            if case .room(let id, let roomEvent) = event, id == room { roomEvent } else { nil }
        }
    }

    /// The room messages received for `room`, in order.
    func roomMessages(_ room: RoomID) -> [Message] {
        roomEvents(room).compactMap { if case .message(let message, _) = $0 { message } else { nil } }
    }

    /// The presence updates received, in order.
    var presences: [(SessionID, Presence)] {
        events.compactMap { if case .presence(let from, let presence) = $0 { (from, presence) } else { nil } }
    }
}

struct WaitTimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Waits until `mind` has received an event matching `predicate` (polling every 5 ms for up
/// to 2 s), and returns the first such event; records an issue and throws on timeout.
@discardableResult
func waitForEvent(
    _ mind: RecordingMind, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    matching predicate: (ChatEvent) -> Bool
) async throws -> ChatEvent {
    try await waitUntil(what, sourceLocation: sourceLocation) { mind.events.first(where: predicate) }
}

/// Polls `probe` every 5 ms for up to 2 s until it yields a value.
@discardableResult
func waitUntil<T>(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ probe: () async -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(2))
    while true {
        if let value = await probe() { return value }
        if clock.now >= deadline {
            Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
            throw WaitTimedOut(what: what)
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

// MARK: Fixtures

let domain = "example.com"
/// The fixed time the test services run at.
let fixedNow = Date(timeIntervalSince1970: 1_700_000_000)

func user(_ name: String) -> UserID {
    UserID(Username(name)!, domain: domain)
}

func session(_ name: String, _ resource: String = "r") -> SessionID {
    SessionID(user: user(name), resource: resource)
}

func nick(_ name: String) -> Nickname { Nickname(name)! }

func roomID(_ name: String) -> RoomID { RoomID(name)! }

/// A chat service on two queue executors with in-memory contact lists and a fixed clock.
func makeService(
    configure: (inout ChatServiceConfiguration) -> Void = { _ in },
    contacts: InMemoryContactListStore = InMemoryContactListStore(), rooms: (any RoomStore)? = nil
) -> ChatService {
    var configuration = ChatServiceConfiguration(domain: domain)
    configure(&configuration)
    return ChatService(
        configuration: configuration, contacts: contacts, executors: .queues(count: 2),
        clock: { fixedNow }, roomStore: rooms)
}

/// Closes every session given, so no test leaves sessions behind.
func closeAll(_ sessions: [ChatSession]) async {
    for session in sessions { await session.close() }
}
