import NIOCore
import ParleyServerNIO
import Synchronization

/// Everything the server writes to one client goes through here, in order. Fanned-out
/// room lines (`writeSoon`) gather in one buffer that the loop's `LoopFlushCoalescer`
/// writes and flushes once per loop turn: fifty room messages queued on the loop reach the
/// client as one write and one `writev`, not fifty of each. Other lines (`write`) go out at
/// once, after whatever was gathered, so the order never changes.
///
/// `IRCMind` is a subclass: one object per client for both, not two (memory per idle
/// client is a target, docs/benchmarks-irc.md).
class IRCWriteFlusher: CoalescedFlushing, @unchecked Sendable {
    // `gathered` and `flushPending` are touched only on `channel.eventLoop` (asserted),
    // like the coalescer's own state.
    let channel: any Channel
    private let coalescer: LoopFlushCoalescer
    private var gathered: ByteBuffer?
    private var flushPending = false
    private let closedFlag = Atomic<Bool>(false)
    /// The first capacity of a client's own gathered buffer.
    static let gatherCapacity = 2048

    /// What the client may leave unread before it is cut off (IRC "SendQ").
    let sendQueue: SendQueueLimit

    init(channel: any Channel, coalescer: LoopFlushCoalescer, sendQueue: SendQueueLimit = SendQueueLimit()) {
        self.channel = channel
        self.coalescer = coalescer
        self.sendQueue = sendQueue
    }

    /// The client left more than `sendQueue` unread; on the channel's loop.
    func sendQueueExceeded() {}

    final var loop: any EventLoop { coalescer.loop }

    /// The connection went away (cheaper to read per delivered copy than
    /// `Channel.isActive`).
    final var isClosed: Bool { closedFlag.load(ordering: .relaxed) }

    /// Called by the channel handler when the channel becomes inactive.
    final func markClosed() {
        closedFlag.store(true, ordering: .relaxed)
    }

    /// Adds `buffer` to what goes out with the loop's next coalesced flush; on the
    /// channel's loop only.
    final func writeSoon(_ buffer: ByteBuffer) {
        assert(coalescer.loop.inEventLoop)
        if var held = gathered.take() {
            if held.capacity < Self.gatherCapacity {
                // The first line is shared with every other recipient: start a buffer of
                // this client's own, large enough for a turn's worth of lines.
                var own = channel.allocator.buffer(capacity: Self.gatherCapacity)
                own.writeImmutableBuffer(held)
                held = own
            }
            held.writeImmutableBuffer(buffer)
            gathered = held
        } else {
            gathered = buffer  // shared with every other recipient until something is appended
        }
        guard !flushPending else { return }
        flushPending = true
        coalescer.flushSoon(self)
    }

    /// Writes `buffer` after anything gathered and flushes, from any thread (NIO keeps the
    /// order of `execute`d tasks).
    final func write(_ buffer: ByteBuffer) {
        if coalescer.loop.inEventLoop {
            writeNow(buffer)
        } else {
            coalescer.loop.execute { self.writeNow(buffer) }
        }
    }

    private func writeNow(_ buffer: ByteBuffer) {
        if let gathered = gathered.take() { channel.write(gathered, promise: nil) }
        channel.writeAndFlush(buffer, promise: nil)
        if sendQueue.isExceeded(by: channel) { sendQueueExceeded() }
    }

    final func flushCoalesced() {
        flushPending = false
        guard let gathered = gathered.take() else { return }
        channel.writeAndFlush(gathered, promise: nil)
        if sendQueue.isExceeded(by: channel) { sendQueueExceeded() }
    }
}
