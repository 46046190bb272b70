import NIOCore
import NIOEmbedded
import ParleyServerNIO
import Testing

/// A target that counts its flushes and re-arms like a connection's "flush pending" mark.
private final class CountingTarget: CoalescedFlushing {
    var flushes = 0
    var armed = false
    let coalescer: LoopFlushCoalescer
    init(_ coalescer: LoopFlushCoalescer) { self.coalescer = coalescer }

    func write() {
        guard !armed else { return }
        armed = true
        coalescer.flushSoon(self)
    }
    func flushCoalesced() {
        armed = false
        flushes += 1
    }
}

@Suite struct LoopFlushCoalescerTests {
    @Test func theHeadOfABurstIsFlushedAtOnceAndTheRestOncePerTurn() {
        let loop = EmbeddedEventLoop()
        let coalescer = LoopFlushCoalescer(loop: loop, headOfBurst: 2, quietBeforeHead: .zero)
        let targets = (0..<5).map { _ in CountingTarget(coalescer) }
        // Three messages fanned out to five targets in one turn of the loop.
        for _ in 0..<3 {
            for target in targets { target.write() }
        }
        // The first two writes of the burst left at once; every later write waits.
        #expect(targets.map(\.flushes) == [1, 1, 0, 0, 0])
        loop.run()
        #expect(targets.map(\.flushes) == [2, 2, 1, 1, 1])
        // The next burst has a head of its own.
        targets[4].write()
        #expect(targets[4].flushes == 2)
        targets[3].write()
        targets[2].write()
        #expect(targets.map(\.flushes) == [2, 2, 1, 2, 2])
        loop.run()
        #expect(targets.map(\.flushes) == [2, 2, 2, 2, 2])
    }

    @Test func aBurstRightAfterAFlushHasNoHead() {
        let loop = EmbeddedEventLoop()
        let coalescer = LoopFlushCoalescer(loop: loop, headOfBurst: 2, quietBeforeHead: .seconds(3600))
        let targets = (0..<3).map { _ in CountingTarget(coalescer) }
        // The loop never flushed: the first burst has its head.
        for target in targets { target.write() }
        #expect(targets.map(\.flushes) == [1, 1, 0])
        loop.run()
        #expect(targets.map(\.flushes) == [1, 1, 1])
        // A busy loop (a flush just ran): everything waits for the turn.
        for target in targets { target.write() }
        #expect(targets.map(\.flushes) == [1, 1, 1])
        loop.run()
        #expect(targets.map(\.flushes) == [2, 2, 2])
    }

    @Test func withNoHeadEveryTargetWaitsForTheTurn() {
        let loop = EmbeddedEventLoop()
        let coalescer = LoopFlushCoalescer(loop: loop, headOfBurst: 0)
        let targets = (0..<3).map { _ in CountingTarget(coalescer) }
        for _ in 0..<4 {
            for target in targets { target.write() }
        }
        #expect(targets.map(\.flushes) == [0, 0, 0])
        loop.run()
        #expect(targets.map(\.flushes) == [1, 1, 1])
    }
}
