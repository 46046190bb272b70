#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What /proc and getrusage tell about a process (Linux only).
public enum ProcessStats {
    /// VmRSS of `pid` in KiB, from /proc/PID/status.
    public static func rssKiB(pid: Int32) -> Int? {
        guard let text = readFile("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// Bytes `pid` has caused to be sent to the storage layer (`write_bytes` of
    /// /proc/PID/io: what reaches the disk, not what sits in the page cache alone); nil when
    /// /proc/PID/io cannot be read (another user's process without the right to trace it).
    public static func writeBytes(pid: Int32) -> Int? {
        guard let text = readFile("/proc/\(pid)/io") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int(line.dropFirst(12).split(separator: " ").first ?? "")
        }
        return nil
    }

    /// utime + stime of `pid` in clock ticks, from /proc/PID/stat (fields 14 and 15).
    public static func cpuTicks(pid: Int32) -> Int? {
        guard let text = readFile("/proc/\(pid)/stat"),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)" come the fields from 3 (state) on; utime is field 14.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Int(fields[11]), let s = Int(fields[12]) else { return nil }
        return u + s
    }

    /// Clock ticks per second (sysconf(_SC_CLK_TCK)).
    public static let ticksPerSecond: Double = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// This process's user + system CPU time in microseconds.
    public static func selfCPUMicros() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let user = Int(usage.ru_utime.tv_sec) * 1_000_000 + Int(usage.ru_utime.tv_usec)
        let system = Int(usage.ru_stime.tv_sec) * 1_000_000 + Int(usage.ru_stime.tv_usec)
        return user + system
    }

    /// This process's peak RSS in KiB.
    public static func selfMaxRSSKiB() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss)
    }

    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
    @discardableResult
    public static func raiseFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }

    /// Monotonic time in nanoseconds (CLOCK_MONOTONIC, the same clock on every thread).
    @inline(__always) public static func nowNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// The text of a small file such as one under /proc (read to the end; nil when it
    /// cannot be opened).
    public static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
