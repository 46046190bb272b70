import NIOCore

/// Something whose pending writes `LoopFlushCoalescer` flushes: usually one connection,
/// which keeps its own "flush pending" mark so it is queued once per loop turn.
public protocol CoalescedFlushing: AnyObject {
    /// Clears the mark and flushes; called on the coalescer's loop.
    func flushCoalesced()
}

/// Flushes connections once per turn of their event loop instead of once per write: a
/// line written to a thousand channels for each of fifty queued room messages costs one
/// `writev` per channel, not fifty. One coalescer per event loop, used on that loop only.
///
/// The head of a burst after a quiet spell is the exception: when no flush ran on the loop
/// for `quietBeforeHead`, the first `headOfBurst` targets of the next burst are flushed at
/// once, so that at light load the first recipients of a fan-out to a thousand clients are
/// written to while the rest are still being rendered, rather than all after the last (an
/// ircd writes as it goes). A busy loop flushes back to back and never takes the exception:
/// there a turn carries many messages per target, and writing early would only split it
/// (the idea of Linux's TCP autocorking: send at once when idle, gather when busy).
public final class LoopFlushCoalescer: @unchecked Sendable {
    // Confined to `loop` (asserted): no lock on the per-copy path.
    public let loop: any EventLoop
    private var pending: [any CoalescedFlushing] = []
    private var scheduled = false
    /// How many targets of a burst are flushed at once, how many are left in this one,
    /// and the quiet time before a burst that earns it.
    private let headOfBurst: Int
    private let quietBeforeHead: TimeAmount
    private var headLeft = 0
    /// When the loop last flushed; nil until it first does (quiet, however long the machine
    /// has been up).
    private var lastFlush: NIODeadline?

    /// The number of targets that the head of a burst flushes at once by default.
    public static let defaultHeadOfBurst = 16
    /// How long a loop goes without flushing before its next burst gets a head.
    public static let defaultQuietBeforeHead = TimeAmount.milliseconds(1)

    public init(
        loop: any EventLoop, headOfBurst: Int = LoopFlushCoalescer.defaultHeadOfBurst,
        quietBeforeHead: TimeAmount = LoopFlushCoalescer.defaultQuietBeforeHead
    ) {
        self.loop = loop
        self.headOfBurst = max(0, headOfBurst)
        self.quietBeforeHead = quietBeforeHead
    }

    /// Flushes `target` after the tasks already queued on the loop have run (a room working
    /// through a queue of messages finishes first), in one task for every target queued;
    /// at the head of a burst, at once.
    public func flushSoon(_ target: any CoalescedFlushing) {
        assert(loop.inEventLoop)
        if !scheduled {
            scheduled = true
            if headOfBurst > 0, lastFlush.map({ NIODeadline.now() - $0 >= quietBeforeHead }) ?? true { headLeft = headOfBurst }
            // Two hops: the room messages that the tasks queued now will post (a sender's
            // command task, then the room's job) are written before the flush too, so one
            // `writev` carries a whole turn of the loop, as an ircd's main loop does.
            loop.execute { self.loop.execute { self.flushPending() } }
        }
        if headLeft > 0 {
            headLeft -= 1
            target.flushCoalesced()
        } else {
            pending.append(target)
        }
    }

    private func flushPending() {
        scheduled = false
        headLeft = 0
        let targets = pending
        pending.removeAll(keepingCapacity: true)
        for target in targets { target.flushCoalesced() }
        if headOfBurst > 0 { lastFlush = .now() }
    }
}
