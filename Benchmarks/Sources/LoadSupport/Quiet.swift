/// Waiting for a server to finish the work a previous phase left queued.
public enum ServerQuiet {
    /// Waits until the server's CPU time stops moving (at most one tick per `interval`,
    /// three times in a row) or `limit` seconds pass; returns whether it became quiet. Used
    /// before a measured phase so that setup work still queued in the server is not counted.
    public static func wait(pid: Int32?, interval: Double = 0.1, limit: Double = 10) async -> Bool {
        guard let pid, var last = ProcessStats.cpuTicks(pid: pid) else { return true }
        let deadline = ProcessStats.nowNanos() + UInt64(limit * 1e9)
        var calm = 0
        while ProcessStats.nowNanos() < deadline {
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            guard let now = ProcessStats.cpuTicks(pid: pid) else { return false }
            calm = now - last <= 1 ? calm + 1 : 0
            last = now
            if calm >= 3 { return true }
        }
        return false
    }
}
