import LoadSupport
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One run's outcome: one JSON object on stdout (for scripts/bench-irc), one line for
/// people on stderr, and a non-zero exit status when it failed.
struct Report {
    private var fields: [(String, String)] = []

    mutating func add(_ key: String, _ value: Int) { fields.append((key, String(value))) }
    mutating func add(_ key: String, _ value: Double, places: Int = 2) { fields.append((key, Self.format(value, places: places))) }
    mutating func add(_ key: String, _ value: String) { fields.append((key, "\"" + Self.escape(value) + "\"")) }

    /// Prints the report and throws `ExitCode(1)` unless `ok`.
    func emit(mode: String, ok: Bool, error: String? = nil) throws {
        var parts = ["\"mode\":\"\(mode)\"", "\"ok\":\(ok)"] + fields.map { "\"\($0.0)\":\($0.1)" }
        if let error { parts.append("\"error\":\"\(Self.escape(error))\"") }
        writeAll(1, "{" + parts.joined(separator: ",") + "}\n")
        let human = fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        note("irc-load \(mode): " + (ok ? human : "FAILED: \(error ?? "?") (\(human))"))
        if !ok { throw ExitCode(1) }
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

func sleepSeconds(_ seconds: Double) async {
    try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
}

/// What /proc tells about the server beyond `ProcessStats` (Linux only).
enum ServerMemory {
    /// Pss of `pid` in KiB from /proc/PID/smaps_rollup (nil when it cannot be read, e.g.
    /// another user's process).
    static func pssKiB(pid: Int32) -> Int? {
        guard let text = ProcessStats.readFile("/proc/\(pid)/smaps_rollup"), !text.isEmpty else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("Pss:") {
            return Int(line.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
}

/// Waits until the server's CPU time stops moving (at most one tick per `interval`, three
/// times in a row) or `limit` seconds pass; returns whether it became quiet. Used before a
/// measured phase so that setup work still queued in the server is not counted.
func waitUntilQuiet(pid: Int32?, interval: Double = 0.1, limit: Double = 10) async -> Bool {
    guard let pid, var last = ProcessStats.cpuTicks(pid: pid) else { return true }
    let deadline = ProcessStats.nowNanos() + UInt64(limit * 1e9)
    var calm = 0
    while ProcessStats.nowNanos() < deadline {
        await sleepSeconds(interval)
        guard let now = ProcessStats.cpuTicks(pid: pid) else { return false }
        calm = now - last <= 1 ? calm + 1 : 0
        last = now
        if calm >= 3 { return true }
    }
    return false
}
