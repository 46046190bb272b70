import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// How a room workload (`muc`, `gateway`) paces its phases and probes.
struct PhaseOptions: ParsableArguments {
    @Option(help: "Latency probe messages left out of the figures.") var warmup = 50
    @Option(help: "Microseconds from the arrival of one probe message (all its copies) to the next message (the servers' idle time).")
    var intervalUs = 2000
    @Option(help: "Size of each groupchat stanza as sent, in bytes (the gateway's IRC lines carry 120 bytes of text).") var stanzaBytes = 200
    @Option(help: "New connections per second while logging in.") var ramp: Double = 500
    @Option(help: "Seconds to wait, once the servers are quiet, before reading RSS.") var settle: Double = 2
    @Option(help: "Seconds each phase may take.") var phaseTimeout: Double = 300
}

/// One run of a room workload: its single event loop, its XMPP sessions and IRC
/// connections, its progress and watchdog; it waits for phases with a timeout and ends
/// the run as a failure with what is known.
final class RoomRun: @unchecked Sendable {
    let mode: String
    let progress = Progress()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop: EventLoop
    let phaseTimeout: Double
    /// The XMPP sessions and the IRC connections, closed at the end (or on failure).
    var channels: [Channel] = []
    var ircChannels: [Channel] = []
    /// Called on the loop when a phase times out: fails whatever the phase waits for.
    var onTimeout: (String) -> Void = { _ in }

    /// Checks that `connections` fit under RLIMIT_NOFILE (raised to its hard limit) and
    /// starts the watchdog (`watchdog` seconds).
    init(mode: String, connections: Int, phases: PhaseOptions, watchdog: Double) throws {
        let fileLimit = ProcessStats.raiseFileLimit()
        guard connections + 64 <= fileLimit else {
            throw ValidationError("\(connections) connections need more file descriptors than RLIMIT_NOFILE \(fileLimit)")
        }
        self.mode = mode
        loop = group.next()
        phaseTimeout = phases.phaseTimeout
        Watchdog.start(mode: mode, seconds: watchdog, progress: progress)
    }

    func stage(_ name: String) { progress.update { $0.stage = name } }

    /// Ends the run as a failure with what is known so far.
    func abort(_ reason: String) async throws -> Never {
        for channel in ircChannels { channel.close(promise: nil) }
        await closeAll(channels)
        try? await group.shutdownGracefully()
        try fail(mode: mode, "\(progress.state.stage): \(reason)", progress: progress)
    }

    /// Waits for `future` at most --phase-timeout seconds; a failure or the timeout aborts.
    func within<T: Sendable>(_ future: EventLoopFuture<T>, _ what: String) async throws -> T {
        let timer = loop.scheduleTask(in: .milliseconds(Int64(phaseTimeout * 1000))) { [self] in
            onTimeout("\(what) not done after \(phaseTimeout) s")
        }
        do {
            let value = try await future.get()
            timer.cancel()
            return value
        } catch {
            timer.cancel()
            try await abort("\(error)")
        }
    }

    /// Logs in users `user(0)…user(count-1)` on the loop (`attach` wires each handler to
    /// its observer); aborts unless all of them are ready.
    func logIn(_ count: Int, connector: Connector, common: CommonOptions, ramp: Double,
               attach: @escaping @Sendable (Int, XMPPClientHandler) -> Void) async throws {
        stage("login")
        let loop = self.loop
        let opened = await openSessions(count: count, ramp: ramp, maxPending: 100, progress: progress) { i in
            connector.open(user: common.user(i), on: loop) { attach(i, $0) }
        }
        channels = opened.compactMap { $0 }
        guard channels.count == count else {
            try await abort("\(count - channels.count) logins failed: \(progress.state.firstFailure ?? "?")")
        }
    }

    /// Closes the IRC clients (QUIT) and the sessions (`</stream:stream>`), and the loop.
    func close() async {
        stage("close")
        for channel in ircChannels {
            try? await channel.pipeline.handler(type: StampedIRCClient.self).map { $0.close() }.get()
        }
        await closeAll(channels)
        try? await group.shutdownGracefully()
    }
}
