import LoadSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// ldap-login's reports (`LoadReport`, shared by the load tools).
typealias Report = LoadReport

extension LoadReport {
    /// Latency percentiles in milliseconds under `prefix_p50_ms` … `prefix_max_ms`.
    mutating func add(latencies: Latencies, prefix: String) {
        add("\(prefix)_p50_ms", latencies.percentile(0.50), places: 3)
        add("\(prefix)_p90_ms", latencies.percentile(0.90), places: 3)
        add("\(prefix)_p99_ms", latencies.percentile(0.99), places: 3)
        add("\(prefix)_max_ms", latencies.percentile(1.0), places: 3)
    }

    /// Prints the report as ldap-login's; exits with status 1 unless `ok`.
    func emit(mode: String, ok: Bool, error: String? = nil) throws {
        emit(tool: "ldap-login", mode: mode, ok: ok, error: error)
    }
}

/// Ends the process with a failure report when the run outlives `seconds`.
func startWatchdog(mode: String, seconds: Double) {
    Task.detached {
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        try? Report().emit(mode: mode, ok: false, error: "timed out after \(Int(seconds)) s")
        exit(1)
    }
}
