import LoadSupport
import ArgumentParser
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `irc-load`: a raw-IRC load generator (docs/benchmarks-irc.md).
@main
struct IRCLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "irc-load",
        abstract: "Drives an IRC server over raw client connections and measures it.",
        discussion: """
            Every mode registers clients with NICK and USER (and PASS with --password), nicks \
            being a random two-letter prefix and the client's index. It prints one JSON object \
            on stdout and a line for people on stderr, and exits non-zero on any error or when \
            its hard timeout passes. It depends on no Parley module, so it measures any server \
            the same way.
            """,
        subcommands: [Fanout.self, Idle.self])
}

struct CommonOptions: ParsableArguments {
    @Option(help: "Server address.") var host = "127.0.0.1"
    @Option(help: "Server port (plain text).") var port: Int = 6667
    @Option(help: "Connection password (PASS), if the server wants one.") var password: String?
    @Option(help: "Pid of the server, for its CPU time and memory from /proc.") var serverPID: Int32?
    @Option(help: "Event loop threads of this generator.") var threads: Int = 2
    @Option(help: "Most connections registering at once (keep it below the server's listen backlog).")
    var wave: Int = 8
    @Flag(inversion: .prefixedNo, help: "Count a client as registered only after the end of the MOTD (376 or 422), not at 001.")
    var waitMotd = true
    @Option(help: "Hard limit on the whole run in seconds.") var timeout: Double = 240

    func validate() throws {
        guard (1...16).contains(threads) else { throw ValidationError("--threads must be 1…16") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard wave > 0 else { throw ValidationError("--wave must be positive") }
    }
}

/// The run's current stage, for the watchdog's report.
final class Stage: Sendable {
    private let box = NIOLockedValueBox("start")
    var name: String {
        get { box.withLockedValue { $0 } }
        set { box.withLockedValue { $0 = newValue } }
    }
}

/// Ends the process with a failure report when the run outlives `seconds`.
func startWatchdog(mode: String, seconds: Double, stage: Stage) {
    Task.detached {
        await sleepSeconds(seconds)
        var report = Report()
        report.add("stage", stage.name)
        try? report.emit(mode: mode, ok: false, error: "timed out after \(Int(seconds)) s")
        exit(1)
    }
}

/// A random two-letter prefix, so that runs against one server never collide on nicks.
func randomPrefix() -> String {
    let letters = Array("abcdefghijklmnopqrstuvwxyz")
    return String((0..<2).map { _ in letters.randomElement()! })
}

/// Opens `count` connections and waits until each is registered, at most `common.wave`
/// registering at once (a server with a short listen backlog drops SYNs otherwise).
/// Connection i runs on `loops[i % loops.count]`; `make` builds its handler.
func openRegistered(
    count: Int, loops: [any EventLoop], common: CommonOptions, stage: Stage,
    make: (Int, any EventLoop) -> IRCLoadHandler
) async throws -> [(channel: any Channel, handler: IRCLoadHandler)] {
    var opened: [(channel: any Channel, handler: IRCLoadHandler)] = []
    opened.reserveCapacity(count)
    var lastNote = ProcessStats.nowNanos()
    var start = 0
    while start < count {
        let end = min(count, start + common.wave)
        var futures: [EventLoopFuture<(any Channel, IRCLoadHandler)>] = []
        for i in start..<end {
            let loop = loops[i % loops.count]
            let handler = make(i, loop)
            let future = ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
                .connect(host: common.host, port: common.port)
                .flatMap { channel in handler.registered.futureResult.map { (channel, handler) } }
            futures.append(future)
        }
        for future in futures {
            let (channel, handler) = try await future.get()
            opened.append((channel, handler))
        }
        start = end
        if ProcessStats.nowNanos() - lastNote > 2_000_000_000 {
            lastNote = ProcessStats.nowNanos()
            note("  … \(opened.count)/\(count) registered")
        }
        stage.name = "register \(opened.count)/\(count)"
    }
    return opened
}

/// Closes our connections (which is no failure) and waits for them to close.
func closeAll(_ connections: [(channel: any Channel, handler: IRCLoadHandler)]) async {
    for (channel, handler) in connections { channel.eventLoop.execute { handler.close() } }
    for (channel, _) in connections { try? await channel.closeFuture.get() }
}
