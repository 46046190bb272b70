import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// `irc-load idle`: N registered, idle connections; the server's memory per connection.
struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open N registered connections, keep them idle, report server memory per connection.",
        discussion: """
            First --warmup connections register (not counted, so that one-time allocations of \
            the server's first clients are not charged to the N), then the server's VmRSS (and \
            Pss from smaps_rollup when readable) is read, N more connections register (001 and, \
            unless --no-wait-motd, 376 or 422), and after --settle seconds the memory is read \
            again: bytes per connection = delta / N.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "Connections to measure.") var connections = 2000
    @Option(help: "Connections opened before the first reading (not counted).") var warmup = 20
    @Option(help: "Seconds to let the server settle before each reading.") var settle: Double = 2

    func validate() throws {
        guard connections > 0, warmup >= 0, settle >= 0 else {
            throw ValidationError("--connections must be positive, --warmup and --settle not negative")
        }
        guard common.serverPID != nil else { throw ValidationError("idle needs --server-pid") }
    }

    func run() async throws {
        let mode = "idle"
        let fileLimit = ProcessStats.raiseFileLimit()
        guard connections + warmup + 64 <= fileLimit else {
            throw ValidationError("\(connections) connections need more file descriptors than RLIMIT_NOFILE \(fileLimit)")
        }
        let pid = common.serverPID!
        let stage = Stage()
        startWatchdog(mode: mode, seconds: common.timeout, stage: stage)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: common.threads)
        let loops = (0..<common.threads).map { _ in group.next() }
        let prefix = "i" + randomPrefix()
        let common = self.common
        var report = Report()
        report.add("connections", connections)
        report.add("warmup", warmup)
        var all: [(channel: any Channel, handler: IRCLoadHandler)] = []
        do {
            stage.name = "warmup"
            all = try await openRegistered(count: warmup, loops: loops, common: common, stage: stage) { i, loop in
                IRCLoadHandler(nick: "\(prefix)w\(i)", password: common.password, waitForMOTD: common.waitMotd, tally: nil, loop: loop)
            }
            await sleepSeconds(settle)
            _ = await waitUntilQuiet(pid: pid, limit: 5)
            guard let rssBefore = ProcessStats.rssKiB(pid: pid) else { throw LoadError("cannot read /proc/\(pid)/status") }
            let pssBefore = ServerMemory.pssKiB(pid: pid)

            stage.name = "register"
            let started = ProcessStats.nowNanos()
            all += try await openRegistered(count: connections, loops: loops, common: common, stage: stage) { i, loop in
                IRCLoadHandler(nick: "\(prefix)\(i)", password: common.password, waitForMOTD: common.waitMotd, tally: nil, loop: loop)
            }
            let registerSeconds = Double(ProcessStats.nowNanos() - started) / 1e9
            stage.name = "settle"
            await sleepSeconds(settle)
            _ = await waitUntilQuiet(pid: pid, limit: 5)
            guard let rssAfter = ProcessStats.rssKiB(pid: pid) else { throw LoadError("cannot read /proc/\(pid)/status") }
            let pssAfter = ServerMemory.pssKiB(pid: pid)
            let alive = all.filter { $0.channel.isActive }.count
            report.add("register_seconds", registerSeconds)
            report.add("server_rss_before_kib", rssBefore)
            report.add("server_rss_after_kib", rssAfter)
            report.add("rss_bytes_per_connection", Double(rssAfter - rssBefore) * 1024 / Double(connections), places: 0)
            if let pssBefore, let pssAfter {
                report.add("server_pss_before_kib", pssBefore)
                report.add("server_pss_after_kib", pssAfter)
                report.add("pss_bytes_per_connection", Double(pssAfter - pssBefore) * 1024 / Double(connections), places: 0)
            }
            report.add("generator_max_rss_kib", ProcessStats.selfMaxRSSKiB())
            stage.name = "close"
            await closeAll(all)
            try? await group.shutdownGracefully()
            if alive < all.count {
                try report.emit(mode: mode, ok: false, error: "\(all.count - alive) connections were closed by the server while idle")
            }
            try report.emit(mode: mode, ok: true)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            await closeAll(all)
            try? await group.shutdownGracefully()
            report.add("stage", stage.name)
            try report.emit(mode: mode, ok: false, error: "\(error)")
        }
    }
}
