import LoadSupport
import NIOCore

/// The light-load probe: occupant 0 posts one groupchat message at a time, each stamped
/// with its send time; the next leaves `interval` after every occupant has received the
/// previous one, so the server is idle for `interval` between two fan-outs, however long a
/// fan-out takes in a large room. For each message it records the one-way
/// latency to the first occupant to receive it (the server's path for one copy) and to the
/// last (the whole fan-out, which includes this generator reading N copies on its one
/// thread). A fixed occupant would fall anywhere between the two, depending on the order in
/// which the server writes and this generator reads the N sockets. Confined to the room's loop.
final class MUCLatency: MUCCopySink, @unchecked Sendable {
    let room: MUCRoom
    let count: Int
    let interval: TimeAmount
    /// Succeeds when every message has reached every occupant.
    let done: EventLoopPromise<Void>
    private(set) var toFirst: [UInt64] = []
    private(set) var toLast: [UInt64] = []
    private var sent = 0
    private var copies = 0

    init(room: MUCRoom, count: Int, interval: TimeAmount) {
        self.room = room
        self.count = count
        self.interval = interval
        done = room.loop.makePromise(of: Void.self)
        toFirst.reserveCapacity(count)
        toLast.reserveCapacity(count)
    }

    func start() {
        room.loop.preconditionInEventLoop()
        room.sink = self
        room.failure.futureResult.whenFailure { [done] in done.fail($0) }
        send()
    }

    private func send() {
        room.sessions[0]?.send(room.stanzas.message(stampedAt: ProcessStats.nowNanos()))
        room.sessions[0]?.flush()
        sent += 1
        copies = 0
    }

    func copy(stampedAt stamp: UInt64, to occupant: Int) {
        let now = ProcessStats.nowNanos()
        copies += 1
        if copies == 1 { toFirst.append(now &- stamp) }
        guard copies == room.occupants else { return }
        toLast.append(now &- stamp)
        if sent == count {
            room.sink = nil
            done.succeed(())
        } else {
            room.loop.scheduleTask(in: interval) { [self] in send() }
        }
    }

    func readComplete() {}
}
