import Testing

@testable import ParleyCore

/// The per-component flood limit, driven by an explicit clock.
@Suite struct FloodGateTests {
    static let second: UInt64 = 1_000_000_000

    /// How many of `count` stanzas arriving at `now` the gate admits.
    func admitted(_ gate: inout FloodGate, _ count: Int, at now: UInt64) -> Int {
        (0..<count).reduce(0) { total, _ in total + (gate.admit(now: now) ? 1 : 0) }
    }

    @Test func aFullBucketAdmitsABurstThenRefuses() {
        var gate = FloodGate(rate: 100, burst: 10, now: 0)
        #expect(admitted(&gate, 11, at: 0) == 10)
    }

    @Test func tokensComeBackAtTheRateUpToTheBurst() {
        var gate = FloodGate(rate: 100, burst: 10, now: 0)
        #expect(admitted(&gate, 10, at: 0) == 10)
        // 100 a second: one token every 10 ms.
        #expect(admitted(&gate, 1, at: Self.second / 200) == 0)
        #expect(admitted(&gate, 2, at: Self.second / 100) == 1)
        // A long pause refills only up to the burst.
        #expect(admitted(&gate, 20, at: 10 * Self.second) == 10)
    }

    @Test func aSenderAtTheRateIsNeverRefused() {
        var gate = FloodGate(rate: 1000, now: 0)
        let refused = (0..<5000).filter { index in !gate.admit(now: UInt64(index) * Self.second / 1000) }
        #expect(refused.isEmpty)
    }
}
