import LoadSupport
import NIOCore

/// The state of one run, confined to the generator's single event loop: who may send
/// how much, what arrived, and when it all started and ended.
/// Only touched on `loop` (the unchecked `Sendable` rests on that confinement).
final class LoadRun: @unchecked Sendable {
    let loop: any EventLoop
    /// Messages component i sends to the other.
    let quota: [Int]
    let window: Int
    /// One pre-serialized batch per sender (`batch` messages each).
    let batches: [ByteBuffer]
    let batch: Int
    private(set) var handlers: [ComponentLoadHandler] = []
    private var sent = [0, 0]
    private(set) var received = [0, 0]
    private var readyCount = 0
    private(set) var startedAt: UInt64 = 0
    private(set) var endedAt: UInt64 = 0
    let done: EventLoopPromise<Void>
    let started: EventLoopPromise<Void>

    init(loop: any EventLoop, quota: [Int], window: Int, batch: Int, batches: [ByteBuffer]) {
        self.loop = loop
        self.quota = quota
        self.window = window
        self.batch = batch
        self.batches = batches
        done = loop.makePromise()
        started = loop.makePromise()
    }

    func attach(_ handler: ComponentLoadHandler) { handlers.append(handler) }

    func ready(_ index: Int) {
        readyCount += 1
        guard readyCount == 2 else { return }
        started.succeed(())
    }

    /// Starts sending (both components are authenticated).
    func go() {
        startedAt = ProcessStats.nowNanos()
        for sender in 0..<2 { topUp(sender) }
        if quota.allSatisfy({ $0 == 0 }) { finish() }
    }

    /// `count` more messages reached component `index` (sent by the other one).
    func received(_ count: Int, by index: Int) {
        received[index] += count
        topUp(1 - index)
        if received[1] >= quota[0] && received[0] >= quota[1] { finish() }
    }

    func failed(_ reason: String) {
        done.fail(LoadError(reason))
    }

    private func topUp(_ sender: Int) {
        let peer = 1 - sender
        while sent[sender] < quota[sender] && sent[sender] - received[peer] < window {
            let count = min(batch, quota[sender] - sent[sender])
            var buffer = batches[sender]
            if count < batch { buffer = buffer.getSlice(at: buffer.readerIndex, length: buffer.readableBytes / batch * count) ?? buffer }
            handlers[sender].send(buffer)
            sent[sender] += count
        }
    }

    private func finish() {
        guard endedAt == 0 else { return }
        endedAt = ProcessStats.nowNanos()
        done.succeed(())
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
