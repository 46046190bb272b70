import LoadSupport
import NIOCore

/// What the members on one generator event loop have received during a fan-out run.
/// Only touched on `loop` (the unchecked `Sendable` rests on that confinement).
final class LoopTally: @unchecked Sendable {
    let loop: any EventLoop
    /// Set when the measured phase starts: members then count instead of parsing lines.
    private(set) var running = false
    /// JOIN lines seen during setup, summed over the run to know when the JOIN storm is over.
    var joinLines = 0
    /// PRIVMSG copies received since `running`.
    private(set) var copies = 0
    /// Copies this loop's members must receive in all.
    private(set) var expected = 0
    /// When the last expected copy arrived (CLOCK_MONOTONIC).
    private(set) var endedAt: UInt64 = 0
    /// The senders' pacer, on the witness's loop only.
    var sender: FanoutSender?
    /// Succeeds when `expected` copies arrived; fails on the first error or the timeout.
    let done: EventLoopPromise<Void>
    private var finished = false

    init(loop: any EventLoop) {
        self.loop = loop
        done = loop.makePromise()
    }

    /// Starts counting; `expected` copies are due on this loop.
    func arm(expected: Int) {
        self.expected = expected
        running = true
        if expected == 0 { finish() }
    }

    func received(_ count: Int, witness: Bool) {
        copies += count
        if witness { sender?.witnessed(count) }
        if copies >= expected { finish() }
    }

    func fail(_ reason: String) {
        guard !finished else { return }
        finished = true
        done.fail(LoadError(reason))
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        endedAt = ProcessStats.nowNanos()
        done.succeed(())
    }
}

/// Paces the fan-out senders (on the witness's loop): message k goes out from sender
/// k mod S, and at most `window` messages are out that the witness (a member that never
/// sends) has not yet received, so the server is never flooded beyond what it accepts.
final class FanoutSender: @unchecked Sendable {
    let senders: [IRCLoadHandler]
    let messages: Int
    let window: Int
    /// One PRIVMSG line, the same for every message.
    let line: ByteBuffer
    private(set) var sent = 0
    private(set) var seen = 0
    private(set) var startedAt: UInt64 = 0

    init(senders: [IRCLoadHandler], messages: Int, window: Int, line: ByteBuffer) {
        self.senders = senders
        self.messages = messages
        self.window = window
        self.line = line
    }

    func go() {
        startedAt = ProcessStats.nowNanos()
        topUp()
    }

    func witnessed(_ count: Int) {
        seen += count
        topUp()
    }

    private func topUp() {
        let first = sent
        while sent < messages && sent - seen < window {
            senders[sent % senders.count].send(line, flush: false)
            sent += 1
        }
        let written = sent - first
        if written >= senders.count {
            for sender in senders { sender.flush() }
        } else {
            for k in first..<sent { senders[k % senders.count].flush() }
        }
    }
}
