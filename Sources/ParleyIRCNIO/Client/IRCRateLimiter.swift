/// The outgoing rate limit: a token bucket (burst of `burst` lines, then one line every
/// `interval` seconds). Pure: the caller passes the time, so tests use a fake clock.
// COMPAT: servers throttle or kill clients that flood (ngircd holds a client at about
// 3 lines/s after a burst; RFC 1459 §8.10 suggests a 2-second penalty per line).
public struct IRCRateLimiter: Sendable {
    /// Burst size and refill interval.
    public struct Settings: Sendable, Hashable {
        /// Lines that may go out at once after a quiet period (at least 1).
        public var burst: Int
        /// Seconds per line once the burst is spent.
        public var interval: Double

        public init(burst: Int = 5, interval: Double = 1) {
            self.burst = max(1, burst)
            self.interval = max(0, interval)
        }
    }

    public let settings: Settings
    /// Tokens available at `updated` (fractional while refilling).
    private var tokens: Double
    private var updated: Double?

    public init(_ settings: Settings = .init()) {
        self.settings = settings
        self.tokens = Double(settings.burst)
    }

    /// Takes one token at `now` (seconds on any monotonic clock) and returns 0, or returns
    /// the seconds to wait until a token is available (and takes nothing).
    public mutating func take(at now: Double) -> Double {
        if settings.interval == 0 { return 0 }
        refill(at: now)
        if tokens >= 1 {
            tokens -= 1
            return 0
        }
        return (1 - tokens) * settings.interval  // also pays back a `charge`d debt
    }

    /// Takes `count` more tokens at `now` even when they are not there yet (a batch that
    /// must leave whole): the lines after it wait until the debt is refilled.
    public mutating func charge(_ count: Int, at now: Double) {
        guard count > 0, settings.interval > 0 else { return }
        refill(at: now)
        tokens -= Double(count)
    }

    /// The tokens available at `now`.
    public mutating func available(at now: Double) -> Double {
        refill(at: now)
        return tokens
    }

    private mutating func refill(at now: Double) {
        defer { updated = now }
        guard let updated, now > updated else { return }
        guard settings.interval > 0 else {
            tokens = Double(settings.burst)
            return
        }
        tokens = min(Double(settings.burst), tokens + (now - updated) / settings.interval)
    }
}
