/// A component's bounded, ordered inbox: `deliver` (which must not wait) puts work in, and
/// one task takes it out in order and hands it to `handle`. A full inbox is a refusal
/// (`Busy`: the sender of a request gets `service-unavailable`).
public final class ComponentInbox<Work: Sendable>: Sendable {
    /// Work, or a waiter to resume once everything before it was handled.
    private enum Item: Sendable {
        case work(Work)
        case barrier(CheckedContinuation<Void, Never>)
    }

    /// The inbox was full (or closed).
    public struct Busy: Error {}

    private let continuation: AsyncStream<Item>.Continuation

    /// Holds at most `limit` (at least 1) waiting units of work.
    public init(limit: Int, handle: @escaping @Sendable (Work) async -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(max(1, limit)))
        self.continuation = continuation
        Task {
            for await item in stream {
                switch item {
                case .work(let work): await handle(work)
                case .barrier(let waiter): waiter.resume()
                }
            }
        }
    }

    deinit { continuation.finish() }

    /// Queues `work`; throws when the inbox is full.
    public func enqueue(_ work: Work) throws(Busy) {
        switch continuation.yield(.work(work)) {
        case .enqueued: return
        case .dropped, .terminated: throw Busy()
        @unknown default: throw Busy()
        }
    }

    /// Waits until everything queued before this call has been handled.
    public func settle() async {
        await withCheckedContinuation { waiter in
            if case .dropped = continuation.yield(.barrier(waiter)) { waiter.resume() }
        }
    }
}
