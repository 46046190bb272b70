import Foundation
import ParleyCore
import Synchronization
import Testing

/// A test session mind: records every event it is handed (adapted from ParleyCoreTests).
final class RecordingMind: SessionMind {
    let protocolFamily = ProtocolFamily.xmpp
    private let state = Mutex<[ChatEvent]>([])

    func deliver(_ event: ChatEvent) throws { state.withLock { $0.append(event) } }

    var events: [ChatEvent] { state.withLock { $0 } }
    func clear() { state.withLock { $0.removeAll() } }

    var queries: [Query] { events.compactMap { if case .query(let query) = $0 { query } else { nil } } }
    var messages: [Message] { events.compactMap { if case .message(let message) = $0 { message } else { nil } } }
    var subscriptions: [(UserID, SubscriptionRequest)] {
        events.compactMap { if case .subscription(let from, let request) = $0 { (from, request) } else { nil } }
    }
    var presences: [(SessionID, Presence)] {
        events.compactMap { if case .presence(let from, let presence) = $0 { (from, presence) } else { nil } }
    }
}

/// The in-process link exists only once a domain is attached, and the component needs
/// the link: this forwards to the component set after attaching (as ComponentHost does).
final class Relay: ComponentHandler {
    let protocolFamily = ProtocolFamily.xmpp
    private let target = Mutex<(any ComponentHandler)?>(nil)
    struct NotReady: Error {}

    func set(_ handler: (any ComponentHandler)?) { target.withLock { $0 = handler } }

    func deliver(_ event: ChatEvent, to: Address) throws {
        guard let handler = target.withLock({ $0 }) else { throw NotReady() }
        try handler.deliver(event, to: to)
    }
}

struct WaitTimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `probe` every 5 ms until it yields a value; gives up after 20 s (generous: other
/// suites running in parallel may hold the cooperative pool for a while).
@discardableResult
func waitUntil<T>(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ probe: () async -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(20))
    while true {
        if let value = await probe() { return value }
        if clock.now >= deadline {
            Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
            throw WaitTimedOut(what: what)
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "parley-webstatus-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
