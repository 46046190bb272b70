/// How soon a failed connection is worth another attempt; shared by every client that
/// reconnects (the XEP-0114 component client, the IRC client).
public enum BackoffRetry: Sendable, Equatable {
    /// A transient failure (refused or dropped connection, server shutdown): the next
    /// step of the backoff.
    case backoff
    /// The server refused us (wrong secret, domain taken, a protocol mismatch): trying
    /// again at once would fail the same way, so wait the longest backoff.
    case longest
}

/// How long a client waits before its next connection attempt: exponential backoff with
/// jitter, capped. Each transient failure doubles the wait (from `initial` up to
/// `maximum`); a refusal by the server (wrong secret, domain taken) waits the maximum at
/// once; a successful handshake starts over.
///
/// The wait is drawn from the upper half of the current step ("equal jitter"), so many
/// clients cut off together do not come back in lockstep, and none waits less than
/// half a step.
public struct ReconnectBackoff: Sendable {
    /// The first wait in seconds (at most `maximum`).
    public let initial: Double
    /// The longest wait in seconds (`--reconnect-max`).
    public let maximum: Double
    /// Failures since the last successful handshake.
    public private(set) var failures = 0

    /// `initial` and `maximum` are clamped to at least 1 ms, and `initial` to at most `maximum`.
    public init(initial: Double = 0.5, maximum: Double) {
        self.maximum = max(0.001, maximum)
        self.initial = min(max(0.001, initial), self.maximum)
    }

    /// The wait before the next attempt, without jitter.
    public func step(for retry: BackoffRetry) -> Double {
        switch retry {
        case .longest:
            return maximum
        case .backoff:
            // 2^failures, with the exponent bounded so that the product cannot overflow.
            let doublings = Double(1 << min(failures, 40))
            return min(maximum, initial * doublings)
        }
    }

    /// Records one failure and returns the wait in seconds before the next attempt;
    /// `unit` is a random number in 0..<1 (the jitter).
    public mutating func next(after retry: BackoffRetry, unit: Double = Double.random(in: 0..<1)) -> Double {
        let step = step(for: retry)
        failures += 1
        let fraction = min(max(unit, 0), 1)
        return step / 2 + step / 2 * fraction
    }

    /// The handshake succeeded: the next failure waits `initial` again.
    public mutating func reset() {
        failures = 0
    }
}
