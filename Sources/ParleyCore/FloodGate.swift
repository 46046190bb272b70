/// A rate limit as a token bucket: `rate` tokens a second, at most `burst` saved up, one
/// token per act (a component's stanza, a session's room presence). Pure: the caller
/// passes the time, so tests need no clock.
public struct FloodGate: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var last: UInt64

    /// A full bucket at `now` (nanoseconds on any monotonic clock).
    public init(rate: Int, burst: Int? = nil, now: UInt64) {
        self.rate = Double(max(1, rate))
        self.burst = Double(max(1, burst ?? rate))
        tokens = self.burst
        last = now
    }

    /// Takes one token for a stanza that arrived at `now`; false when the bucket is empty
    /// (the component sends faster than `rate` for longer than `burst` allows).
    public mutating func admit(now: UInt64) -> Bool {
        if now > last {
            tokens = min(burst, tokens + Double(now - last) * rate / 1e9)
            last = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
