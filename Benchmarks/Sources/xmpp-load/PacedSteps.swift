import NIOCore

/// Steps `from..<to` (one per session: an entry into a room, an ad-hoc command), started
/// at most `maxPending` at a time: `start(i)` begins step i, and whoever sees it end calls
/// `finished()`; the future succeeds when every step has ended. Confined to `loop`.
final class PacedSteps {
    let loop: EventLoop
    private let start: (Int) -> Void
    private let limit: Int
    private let maxPending: Int
    private var next: Int
    private var pending = 0
    private var over = false
    private let promise: EventLoopPromise<Void>

    init(loop: EventLoop, from: Int, to: Int, maxPending: Int, start: @escaping (Int) -> Void) {
        self.loop = loop
        self.start = start
        self.limit = to
        self.maxPending = max(1, maxPending)
        self.next = from
        promise = loop.makePromise(of: Void.self)
    }

    /// Starts the first steps; the future succeeds when all have finished.
    func run() -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        topUp()
        return promise.futureResult
    }

    /// One step has ended; starts the next one, or completes.
    func finished() {
        guard !over else { return }
        pending -= 1
        topUp()
    }

    /// Ends the whole run as a failure (no further step starts).
    func fail(_ error: Error) {
        guard !over else { return }
        over = true
        promise.fail(error)
    }

    private func topUp() {
        while !over, pending < maxPending, next < limit {
            let i = next
            next += 1
            pending += 1
            start(i)
        }
        if !over, pending == 0, next == limit {
            over = true
            promise.succeed(())
        }
    }
}
