import LoadSupport
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// irc-load's reports (`LoadReport`, shared by the load tools).
typealias Report = LoadReport

extension LoadReport {
    /// Prints the report as irc-load's; exits with status 1 unless `ok`.
    func emit(mode: String, ok: Bool, error: String? = nil) throws {
        emit(tool: "irc-load", mode: mode, ok: ok, error: error)
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

/// Waits until the server's CPU time stops moving (`ServerQuiet.wait`, shared with xmpp-load).
func waitUntilQuiet(pid: Int32?, interval: Double = 0.1, limit: Double = 10) async -> Bool {
    await ServerQuiet.wait(pid: pid, interval: interval, limit: limit)
}
