import ParleyCore
import Synchronization

/// A session of another protocol (not IRC) that ignores what it is told.
final class QuietMind: SessionMind {
    let protocolFamily = ProtocolFamily("test")
    func deliver(_ event: ChatEvent) throws {}
}

/// A session of another protocol that keeps every event it is told, for tests that look
/// at what a non-IRC user received.
final class RecordingForeignMind: SessionMind {
    let protocolFamily = ProtocolFamily("test")
    private let events = Mutex<[ChatEvent]>([])
    func deliver(_ event: ChatEvent) throws { events.withLock { $0.append(event) } }

    /// The first recorded event that `match` accepts, waiting up to `seconds` for it.
    func first<T>(within seconds: Double = 5, _ match: (ChatEvent) -> T?) async -> T? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let recorded = events.withLock { $0 }
            if let found = recorded.lazy.compactMap(match).first { return found }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
