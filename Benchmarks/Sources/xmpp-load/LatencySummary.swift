/// Percentiles of one-way latencies measured in nanoseconds, reported in microseconds.
struct LatencySummary {
    /// The latencies in nanoseconds, sorted; never empty.
    let sorted: [UInt64]

    init?(_ nanos: some Sequence<UInt64>) {
        sorted = nanos.sorted()
        if sorted.isEmpty { return nil }
    }

    var count: Int { sorted.count }

    /// The nearest-rank percentile `q` (0…1) in microseconds.
    func percentile(_ q: Double) -> Double {
        let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
        return Double(sorted[min(sorted.count, rank) - 1]) / 1000
    }

    var maxMicros: Double { Double(sorted.last!) / 1000 }

    var json: JSON {
        .object([
            ("min", .number(Double(sorted.first!) / 1000)),
            ("p50", .number(percentile(0.50))),
            ("p90", .number(percentile(0.90))),
            ("p99", .number(percentile(0.99))),
            ("p999", .number(percentile(0.999))),
            ("max", .number(maxMicros)),
            ("mean", .number(Double(sorted.reduce(0, +)) / Double(sorted.count) / 1000)),
        ])
    }

    /// "p50 X µs, p90 Y µs, p99 Z µs, max W µs", for people.
    var text: String {
        "p50 \(JSON.number(percentile(0.5)).text) µs, p90 \(JSON.number(percentile(0.9)).text) µs, "
            + "p99 \(JSON.number(percentile(0.99)).text) µs, max \(JSON.number(maxMicros).text) µs"
    }
}
