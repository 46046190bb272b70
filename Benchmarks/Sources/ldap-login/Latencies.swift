/// Durations in nanoseconds, and their percentiles in milliseconds.
struct Latencies: Sendable {
    private(set) var nanos: [UInt64] = []
    private var sorted = true

    var count: Int { nanos.count }

    mutating func append(_ value: UInt64) {
        nanos.append(value)
        sorted = false
    }

    mutating func append(contentsOf other: Latencies) {
        nanos.append(contentsOf: other.nanos)
        sorted = false
    }

    /// The nearest-rank percentile `q` (0…1; 1 is the maximum) in milliseconds; NaN when empty.
    func percentile(_ q: Double) -> Double {
        guard !nanos.isEmpty else { return .nan }
        let ordered = sorted ? nanos : nanos.sorted()
        let rank = min(ordered.count - 1, max(0, Int((q * Double(ordered.count)).rounded(.up)) - 1))
        return Double(ordered[rank]) / 1e6
    }
}
