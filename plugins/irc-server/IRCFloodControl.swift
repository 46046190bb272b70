import NIOCore

/// A penalty clock in the style of ircd's (RFC 1459 §8.10 "Flood control of clients"):
/// each processed line moves the client's clock `1 / rate` seconds ahead of now (and
/// never behind now); a line is processed at once while the clock is less than
/// `burst / rate` seconds ahead, so a normal burst of `burst` lines passes immediately.
/// Later lines are held back, not dropped, until the clock falls behind again; a client
/// that gets more than twice `burst` lines ahead (processed plus waiting) is flooding.
struct IRCFloodControl: Sendable {
    let burst: Int
    /// Nanoseconds one line costs (1 / rate).
    let cost: Int64
    /// The client's clock (in the past until the first line).
    private var clock: NIODeadline = .distantPast

    init(burst: Int, rate: Double) {
        self.burst = burst
        cost = Int64(1_000_000_000 / max(rate, 0.001))
    }

    /// What to do with the next waiting line.
    enum Verdict: Equatable {
        /// Process it now (the clock has been charged).
        case process
        /// Hold it and look again after this long.
        case wait(TimeAmount)
    }

    /// How many lines the client is ahead of its allowance at `now`, counting `waiting`
    /// lines not yet processed.
    func linesAhead(now: NIODeadline, waiting: Int) -> Int {
        let ahead = clock > now ? (clock - now).nanoseconds : 0
        return Int((ahead + cost - 1) / cost) + waiting
    }

    /// Whether `waiting` unprocessed lines make this client a flooder.
    func isFlooding(now: NIODeadline, waiting: Int) -> Bool {
        linesAhead(now: now, waiting: waiting) > 2 * burst
    }

    /// Charges the clock for a line answered without running (a refused line: 417,
    /// INVALID_UTF8), so that refused lines count against the flood limit too.
    mutating func charge(now: NIODeadline) {
        clock = max(clock, now) + .nanoseconds(cost)
    }

    /// Decides about the next line and charges the clock when it may run.
    mutating func next(now: NIODeadline) -> Verdict {
        let start = max(clock, now)
        let limit = now + .nanoseconds(Int64(burst) * cost)
        guard start < limit else { return .wait(start - limit + .milliseconds(1)) }
        clock = start + .nanoseconds(cost)
        return .process
    }
}
