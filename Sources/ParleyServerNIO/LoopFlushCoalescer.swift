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
public final class LoopFlushCoalescer: @unchecked Sendable {
    // Confined to `loop` (asserted): no lock on the per-copy path.
    public let loop: any EventLoop
    private var pending: [any CoalescedFlushing] = []
    private var scheduled = false

    public init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Flushes `target` after the tasks already queued on the loop have run (a room working
    /// through a queue of messages finishes first), in one task for every target queued.
    public func flushSoon(_ target: any CoalescedFlushing) {
        assert(loop.inEventLoop)
        pending.append(target)
        guard !scheduled else { return }
        scheduled = true
        // Two hops: the room messages that the tasks queued now will post (a sender's
        // command task, then the room's job) are written before the flush too, so one
        // `writev` carries a whole turn of the loop, as an ircd's main loop does.
        loop.execute { self.loop.execute { self.flushPending() } }
    }

    private func flushPending() {
        scheduled = false
        let targets = pending
        pending.removeAll(keepingCapacity: true)
        for target in targets { target.flushCoalesced() }
    }
}
