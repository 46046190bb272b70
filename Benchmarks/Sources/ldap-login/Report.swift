#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One run's outcome: a JSON object on stdout (for scripts/bench-ldap), one line for
/// people on stderr, and a non-zero exit status when it failed.
struct Report {
    private var fields: [(String, String)] = []

    mutating func add(_ key: String, _ value: Int) { fields.append((key, String(value))) }
    mutating func add(_ key: String, _ value: Double, places: Int = 2) { fields.append((key, Self.format(value, places: places))) }
    mutating func add(_ key: String, _ value: String) { fields.append((key, "\"" + Self.escape(value) + "\"")) }
    /// A JSON object of counts, e.g. failures by reason.
    mutating func add(_ key: String, counts: [String: Int]) {
        let body = counts.sorted { $0.key < $1.key }.map { "\"\(Self.escape($0.key))\":\($0.value)" }
        fields.append((key, "{" + body.joined(separator: ",") + "}"))
    }
    /// Latency percentiles in milliseconds under `prefix_p50_ms` … `prefix_max_ms`.
    mutating func add(latencies: Latencies, prefix: String) {
        add("\(prefix)_p50_ms", latencies.percentile(0.50), places: 3)
        add("\(prefix)_p90_ms", latencies.percentile(0.90), places: 3)
        add("\(prefix)_p99_ms", latencies.percentile(0.99), places: 3)
        add("\(prefix)_max_ms", latencies.percentile(1.0), places: 3)
    }

    /// Prints the report and throws `ExitCode(1)` unless `ok`.
    func emit(mode: String, ok: Bool, error: String? = nil) throws {
        var parts = ["\"mode\":\"\(mode)\"", "\"ok\":\(ok)"] + fields.map { "\"\($0.0)\":\($0.1)" }
        if let error { parts.append("\"error\":\"\(Self.escape(error))\"") }
        writeAll(1, "{" + parts.joined(separator: ",") + "}\n")
        let human = fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        note("ldap-login \(mode): " + (ok ? human : "FAILED: \(error ?? "?") (\(human))"))
        if !ok { exit(1) }
    }

    static func format(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "null" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        var fraction = String(scaled % Int(scale))
        while fraction.count < places { fraction = "0" + fraction }
        return (value < 0 && scaled != 0 ? "-" : "") + String(whole) + (places > 0 ? "." + fraction : "")
    }

    private static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// A line for people on stderr.
func note(_ line: String) { writeAll(2, line + "\n") }

private func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return }
        bytes = bytes.dropFirst(n)
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
