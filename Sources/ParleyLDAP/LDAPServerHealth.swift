import Synchronization

/// What the pools of one directory share about the server: when it was last found
/// unreachable (operations fail at once for `retryInterval` after that), and how many
/// connections were opened so far.
final class LDAPServerHealth: Sendable {
    private struct State {
        var unreachableUntil: ContinuousClock.Instant?
        var connectionsOpened = 0
    }

    let uri: String
    let retryInterval: Double
    private let state = Mutex(State())

    init(uri: String, retryInterval: Double) {
        self.uri = uri
        self.retryInterval = retryInterval
    }

    var connectionsOpened: Int { state.withLock { $0.connectionsOpened } }

    func connectionOpened() { state.withLock { $0.connectionsOpened += 1 } }

    /// Throws `.recentlyUnreachable` while the last failure is less than `retryInterval` old.
    func checkReachable() throws(LDAPError) {
        let now = ContinuousClock.now
        let remaining: Duration? = state.withLock { state in
            guard let until = state.unreachableUntil else { return nil }
            guard now < until else {
                state.unreachableUntil = nil
                return nil
            }
            return until - now
        }
        if let remaining {
            let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) * 1e-18
            throw .recentlyUnreachable(uri: uri, retryIn: seconds)
        }
    }

    /// Remembers that a fresh connection could not be opened.
    func markUnreachable() {
        guard retryInterval > 0 else { return }
        let until = ContinuousClock.now.advanced(by: .milliseconds(Int64(retryInterval * 1000)))
        state.withLock { $0.unreachableUntil = until }
    }
}
