import LoadSupport
import ArgumentParser
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// `xmpp-load`: a raw-XMPP load generator (docs/benchmarks-c2s.md).
@main
struct XMPPLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xmpp-load",
        abstract: "Drives an XMPP server over raw client connections and measures it.",
        discussion: """
            Every mode logs in users PREFIX0, PREFIX1, … with one password (SASL PLAIN, optional \
            STARTTLS without certificate checks), binds a resource and sends initial presence. \
            It prints one JSON object on stdout and a line for people on stderr, and exits \
            non-zero on any error or when its hard timeout passes.
            """,
        subcommands: [Idle.self, Throughput.self, Latency.self, Relay.self, Echo.self, MUC.self, Gateway.self, PubSub.self])
}

struct CommonOptions: ParsableArguments {
    @Option(help: "Server address.") var host = "127.0.0.1"
    @Option(help: "Server c2s port.") var port: Int = 5222
    @Option(help: "XMPP domain of the accounts.") var domain = "localhost"
    @Option(help: "Password of every account.") var password = "loadpass"
    @Option(help: "User names are PREFIX0, PREFIX1, ….") var userPrefix = "load"
    @Option(help: "Resource each session binds.") var resource = "r"
    @Option(help: "none or starttls (tcp only).") var tls: TLSMode = .none
    @Option(help: "tcp (c2s stream), ws or wss (RFC 7395 XMPP over WebSocket, for the idle and throughput modes; --port is then the HTTP listener's).")
    var transport: Transport = .tcp
    @Option(help: "Path of the WebSocket endpoint (ws, wss).") var webSocketPath = "/xmpp-websocket"
    @Option(help: "Pid of the server, for its RSS and CPU time from /proc.") var serverPID: Int32?
    @Option(help: "Event loop threads of this generator (1 or 2).") var threads: Int = 1
    @Option(help: "Seconds one session may take to log in.") var loginTimeout: Int = 60
    @Option(help: "Hard limit on the whole run in seconds (default: depends on the mode).") var timeout: Double?

    func user(_ index: Int) -> String { "\(userPrefix)\(index)" }

    /// For the modes whose stanzas are written for a TCP stream only (unqualified, several
    /// in one write): refuses `--transport ws|wss` instead of running a different workload.
    func requireTCP(mode: String) throws {
        guard transport == .tcp else {
            throw ValidationError("--transport \(transport.rawValue) is for the idle and throughput modes, not \(mode)")
        }
    }

    /// What the JSON reports as the run's transport and TLS: `tcp`/`none`, `tcp`/`starttls`,
    /// `ws`/`none`, `wss`/`wss`.
    var transportJSON: [(String, JSON)] {
        [("transport", .string(transport.rawValue)), ("tls", .string(transport == .wss ? "wss" : tls.rawValue))]
    }

    func validate() throws {
        guard (1...2).contains(threads) else { throw ValidationError("--threads must be 1 or 2") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard !(transport.isWebSocket && tls == .starttls) else {
            throw ValidationError("--tls starttls is for --transport tcp; over WebSocket TLS is wss")
        }
    }
}

extension TLSMode: ExpressibleByArgument {}

/// Runs a mode's body and turns its outcome into the exit status.
func finish(mode: String, ok: Bool, json: [(String, JSON)], human: String) throws {
    Report.emit(.object([("mode", .string(mode)), ("ok", .bool(ok))] + json), human: "xmpp-load \(mode): \(human)")
    if !ok { throw ExitCode(1) }
}

func fail(mode: String, _ reason: String, progress: Progress) throws -> Never {
    Report.emit(
        .object([
            ("mode", .string(mode)), ("ok", .bool(false)), ("error", .string(reason)),
            ("failures", progress.failureJSON),
        ]),
        human: "xmpp-load \(mode): FAILED: \(reason)")
    throw ExitCode(1)
}

/// Opens `count` sessions at most `ramp` per second with at most `maxPending` logging in at
/// once; returns the channels of the sessions that became ready (nil for failures).
func openSessions(
    count: Int, ramp: Double, maxPending: Int, progress: Progress,
    open: @escaping @Sendable (Int) -> EventLoopFuture<Channel>
) async -> [Channel?] {
    let channels = NIOLockedChannelList(count: count)
    let start = ProcessStats.nowNanos()
    var lastNote = start
    for i in 0..<count {
        // Pace: connection i starts no earlier than i / ramp seconds after the first.
        let due = start + UInt64(Double(i) / ramp * 1e9)
        let now = ProcessStats.nowNanos()
        if due > now + 1_000_000 { await sleepSeconds(Double(due - now) / 1e9) }
        while progress.state.pending >= maxPending { await sleepSeconds(0.001) }
        progress.update { $0.pending += 1 }
        open(i).whenComplete { result in
            switch result {
            case .success(let channel):
                channels.set(i, channel)
                progress.update { $0.pending -= 1; $0.ready += 1 }
            case .failure(let error):
                progress.update { $0.pending -= 1 }
                progress.recordFailure("\(error)")
            }
        }
        if ProcessStats.nowNanos() - lastNote > 2_000_000_000 {
            lastNote = ProcessStats.nowNanos()
            Report.note("  … \(progress.summary)")
        }
    }
    while progress.state.pending > 0 { await sleepSeconds(0.01) }
    return channels.all
}

/// Channels stored by index from any thread.
final class NIOLockedChannelList: @unchecked Sendable {
    private let box: NIOLockedValueBox<[Channel?]>
    init(count: Int) { box = NIOLockedValueBox(Array(repeating: nil, count: count)) }
    func set(_ i: Int, _ channel: Channel) { box.withLockedValue { $0[i] = channel } }
    var all: [Channel?] { box.withLockedValue { $0 } }
}

/// Closes every session politely (`</stream:stream>`, `<close/>` over WebSocket) and waits, at most 10 s, for the
/// connections to close.
func closeAll(_ channels: [Channel]) async {
    let closed = NIOLockedValueBox(0)
    for channel in channels {
        channel.closeFuture.whenComplete { _ in closed.withLockedValue { $0 += 1 } }
        channel.eventLoop.execute {
            if let handler = try? channel.pipeline.syncOperations.handler(type: XMPPClientHandler.self) {
                handler.closeStream()
            } else {
                channel.close(promise: nil)
            }
        }
    }
    let deadline = ProcessStats.nowNanos() + 10_000_000_000
    while closed.withLockedValue({ $0 }) < channels.count, ProcessStats.nowNanos() < deadline {
        await sleepSeconds(0.02)
    }
    // Whatever has not closed by now is closed hard.
    for channel in channels { channel.close(promise: nil) }
}

// MARK: - idle

struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open N authenticated, bound, available sessions, hold them, report server RSS per session.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Sessions to open (users PREFIX0…PREFIX{N-1}).") var sessions: Int = 1000
    @Option(help: "New connections per second.") var ramp: Double = 500
    @Option(help: "Most sessions logging in at once (keep it below the server's listen backlog, often 128).")
    var maxPending: Int = 100
    @Option(help: "Seconds to wait after the last login before measuring RSS.") var settle: Double = 2
    @Option(help: "Seconds to hold the sessions open after measuring.") var hold: Double = 5

    func run() async throws {
        let mode = "idle"
        let fileLimit = ProcessStats.raiseFileLimit()
        guard sessions > 0, ramp > 0, maxPending > 0 else { throw ValidationError("counts must be positive") }
        guard sessions + 64 <= fileLimit else {
            throw ValidationError("\(sessions) sessions need more file descriptors than RLIMIT_NOFILE \(fileLimit)")
        }
        let progress = Progress()
        // The ramp is an upper bound: a busy server logs in fewer per second. The default
        // bound allows for 50 logins per second.
        let limit = common.timeout
            ?? (max(Double(sessions) / ramp, Double(sessions) / 50) + settle + hold + Double(common.loginTimeout) + 30)
        Watchdog.start(mode: mode, seconds: limit, progress: progress)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: common.threads)
        let connector = try Connector(common: common)
        let pid = common.serverPID
        let before = Sample.take(serverPID: pid)
        if pid != nil && before.serverRSSKiB == nil { try fail(mode: mode, "cannot read /proc/\(pid!)/status", progress: progress) }

        progress.update { $0.stage = "login" }
        let dropped = NIOLockedValueBox(false)  // true once we close on purpose
        let common = self.common
        let opened = await openSessions(
            count: sessions, ramp: ramp, maxPending: maxPending, progress: progress
        ) { i in
            connector.open(user: common.user(i), on: group.next()).map { channel in
                channel.closeFuture.whenComplete { _ in
                    if !dropped.withLockedValue({ $0 }) { progress.update { $0.dropped += 1 } }
                }
                return channel
            }
        }
        let allUp = Sample.take(serverPID: pid)
        let loginSeconds = Double(allUp.wallNanos - before.wallNanos) / 1e9

        progress.update { $0.stage = "settle" }
        await sleepSeconds(settle)
        let afterSettle = Sample.take(serverPID: pid)
        progress.update { $0.stage = "hold" }
        var peakRSS = afterSettle.serverRSSKiB ?? 0
        let holdEnd = ProcessStats.nowNanos() + UInt64(hold * 1e9)
        while ProcessStats.nowNanos() < holdEnd {
            await sleepSeconds(min(1, Double(holdEnd - min(holdEnd, ProcessStats.nowNanos())) / 1e9))
            if let pid, let rss = ProcessStats.rssKiB(pid: pid) { peakRSS = max(peakRSS, rss) }
        }
        let afterHold = Sample.take(serverPID: pid)

        progress.update { $0.stage = "close" }
        dropped.withLockedValue { $0 = true }
        let open = opened.compactMap { $0 }
        await closeAll(open)
        try? await group.shutdownGracefully()

        let s = progress.state
        let ok = s.failed == 0 && s.dropped == 0 && s.ready == sessions
        var json: [(String, JSON)] = [
            ("server", .object([("host", .string(common.host)), ("port", .int(common.port)), ("domain", .string(common.domain))])),
        ] + common.transportJSON + [
            ("sessions_requested", .int(sessions)),
            ("sessions_ready", .int(s.ready)),
            ("sessions_failed", .int(s.failed)),
            ("sessions_dropped_while_held", .int(s.dropped)),
            ("login_seconds", .number(loginSeconds, places: 2)),
            ("logins_per_second", .number(Double(s.ready) / max(loginSeconds, 1e-9))),
            ("hold_seconds", .number(hold)),
        ]
        var human = "\(s.ready)/\(sessions) sessions ready (\(s.failed) failed, \(s.dropped) dropped), \(common.transport.rawValue), tls \(common.transport == .wss ? "wss" : common.tls.rawValue)"
        if let pid, let b = before.serverRSSKiB, let a = afterHold.serverRSSKiB {
            let perSession = s.ready > 0 ? Double(a - b) / Double(s.ready) : nil
            json += [
                ("server_pid", .int(Int(pid))),
                ("server_rss_before_kib", .int(b)),
                ("server_rss_all_up_kib", .optional(allUp.serverRSSKiB)),
                ("server_rss_after_settle_kib", .optional(afterSettle.serverRSSKiB)),
                ("server_rss_after_hold_kib", .int(a)),
                ("server_rss_peak_kib", .int(max(peakRSS, a))),
                ("server_rss_delta_kib", .int(a - b)),
                ("server_kib_per_session", .number(perSession, places: 2)),
            ]
            if let t0 = before.serverTicks, let t1 = allUp.serverTicks, s.ready > 0 {
                json.append(("server_cpu_us_per_login", .number(Double(t1 - t0) / ProcessStats.ticksPerSecond * 1e6 / Double(s.ready))))
            }
            if let perSession { human += String(", server RSS \(b) → \(a) KiB = \(JSON.number(perSession, places: 2).text) KiB/session") }
        }
        json += [
            ("generator_cpu_seconds", .number(Double(afterHold.selfCPUMicros - before.selfCPUMicros) / 1e6, places: 2)),
            ("generator_max_rss_kib", .int(ProcessStats.selfMaxRSSKiB())),
            ("generator_threads", .int(common.threads)),
        ]
        if !ok {
            let reason = s.firstFailure
                ?? (s.dropped > 0 ? "\(s.dropped) sessions were closed by the server while held" : "not every session became ready")
            json.append(("error", .string(reason)))
            json.append(("failures", progress.failureJSON))
            human = "FAILED: \(human); first failure: \(reason)"
        }
        try finish(mode: mode, ok: ok, json: json, human: human)
    }
}
