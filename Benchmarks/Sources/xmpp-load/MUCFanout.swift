import LoadSupport
import NIOCore

/// One measured fan-out round: senders 0..<S post `messages` groupchat messages round
/// robin, keeping at most `window` messages' worth of copies undelivered (sent × N −
/// copies received ≤ window × N), and the round ends when every occupant has received
/// every message (N copies each: the room reflects a message to its sender too).
/// Confined to the room's loop.
final class MUCFanout: MUCCopySink, @unchecked Sendable {
    let room: MUCRoom
    let senders: Int
    let messages: Int
    let window: Int
    /// Succeeds with the time the last copy arrived.
    let done: EventLoopPromise<UInt64>
    private(set) var startedAt: UInt64 = 0
    private(set) var copies = 0
    private var sent = 0
    private var finished = false

    init(room: MUCRoom, senders: Int, messages: Int, window: Int) {
        self.room = room
        self.senders = senders
        self.messages = messages
        self.window = window
        done = room.loop.makePromise(of: UInt64.self)
    }

    var expectedCopies: Int { messages * room.occupants }

    func start() {
        room.loop.preconditionInEventLoop()
        room.sink = self
        room.failure.futureResult.whenFailure { [done] in done.fail($0) }
        startedAt = ProcessStats.nowNanos()
        topUp()
    }

    private func topUp() {
        let n = room.occupants
        var used = Set<Int>()
        while sent < messages, sent * n - copies < window * n {
            let from = sent % senders
            room.sessions[from]?.send(room.stanzas.message(stampedAt: ProcessStats.nowNanos()))
            used.insert(from)
            sent += 1
        }
        for from in used { room.sessions[from]?.flush() }
    }

    func copy(stampedAt stamp: UInt64, to occupant: Int) {
        guard !finished else { return }
        copies += 1
        if copies == expectedCopies {
            finished = true
            room.sink = nil
            done.succeed(ProcessStats.nowNanos())
        }
    }

    func readComplete() {
        if !finished { topUp() }
    }
}
