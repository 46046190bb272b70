import ArgumentParser
import LoadSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// `ldap-login traffic`: MSG round trips between two logged-in `parleyd text-chat`
/// sessions, alone or while a storm of LOGINs waits on the (slow) LDAP server.
struct Traffic: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measures MSG round trips between two text-chat sessions, optionally during a LOGIN storm.")

    @Option(help: "text-chat server address.") var host = "127.0.0.1"
    @Option(help: "text-chat server port.") var port: Int
    @Option(help: "The sender (logs in first).") var userA = "load0"
    @Option(help: "The echoing peer.") var userB = "load1"
    @Option(help: "Password of every user.") var password = "bulk-secret"
    @Option(help: "Round trips measured.") var roundTrips: Int = 1000
    @Option(help: "Round trips before the measured ones (not counted).") var warmupTrips: Int = 50
    @Option(help: "Milliseconds between round trips (spreads the measurement over the storm).") var gapMs: Double = 5
    @Option(help: "Concurrent LOGIN attempts in the storm (0: no storm).") var storm: Int = 0
    @Option(help: "Storm users PREFIX{first}…PREFIX{N-1}, picked at random.") var users: Int = 1000
    @Option(help: "The first user index of the storm (keeps it off user-a and user-b).") var stormFirst: Int = 2
    @Option(help: "User name prefix of the storm.") var prefix = "load"
    @Option(help: "Seconds the storm runs before round trips are measured.") var stormWarmup: Double = 3
    @Option(help: "Event loop threads of this client.") var threads: Int = 2
    @Option(help: "Pid of the chat server, for its CPU while measuring.") var serverPID: Int32?
    @Option(help: "Hard limit on the whole run in seconds.") var timeout: Double = 180

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard roundTrips > 0, warmupTrips >= 0, gapMs >= 0 else { throw ValidationError("bad round-trip options") }
        guard storm >= 0, users > stormFirst || storm == 0 else { throw ValidationError("--users must exceed --storm-first") }
        guard (1...16).contains(threads) else { throw ValidationError("--threads must be 1…16") }
    }

    /// The storm's counts, shared by its tasks.
    struct StormTally: Sendable {
        var measuring = false
        var stopped = false
        var latencies = Latencies()
        var failures: [String: Int] = [:]
    }

    func run() async throws {
        startWatchdog(mode: "traffic", seconds: timeout)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let tally = NIOLockedValueBox(StormTally())
        var report = Report()
        report.add("storm", storm)
        do {
            let (a, b) = (try await connectLines(group: group, host: host, port: port),
                          try await connectLines(group: group, host: host, port: port))
            let trips = try await a.executeThenClose { aIn, aOut in
                try await b.executeThenClose { bIn, bOut in
                    var sender = LineSession(aIn, aOut)
                    if let refused = try await sender.login(user: userA, password: password) {
                        throw ChatFailure("LOGIN \(userA) refused: \(refused)")
                    }
                    return try await withThrowingTaskGroup(of: Void.self) { tasks in
                        // The peer logs in and echoes in a task of its own; `ready` says how its LOGIN went.
                        let (ready, readyContinuation) = AsyncStream<String?>.makeStream()
                        tasks.addTask { [userA, userB, password] in
                            var echo = LineSession(bIn, bOut)
                            let refused = try await echo.login(user: userB, password: password)
                            readyContinuation.yield(refused)
                            readyContinuation.finish()
                            if refused == nil { try await Self.echoLoop(&echo, to: userA) }
                        }
                        var readiness = ready.makeAsyncIterator()
                        if let refused = await readiness.next() ?? "closed" {
                            throw ChatFailure("LOGIN \(userB) refused: \(refused)")
                        }
                        for _ in 0..<storm {
                            tasks.addTask { [self] in try await stormLoop(group: group, tally: tally) }
                        }
                        if storm > 0 { try await Task.sleep(nanoseconds: UInt64(stormWarmup * 1e9)) }
                        let measured = try await measure(&sender, tally: tally, report: &report)
                        tally.withLockedValue { $0.stopped = true }
                        try await sender.send("MSG \(userB) stop")
                        try await tasks.waitForAll()
                        return measured
                    }
                }
            }
            report.add("round_trips", trips.count)
            report.add(latencies: trips, prefix: "rtt")
            let stormResult = tally.withLockedValue { $0 }
            if storm > 0 {
                report.add("storm_logins", stormResult.latencies.count)
                report.add("storm_failures_by_reason", counts: stormResult.failures)
                report.add(latencies: stormResult.latencies, prefix: "storm_login")
            }
            try? await group.shutdownGracefully()
            let stormFailed = stormResult.failures.values.reduce(0, +)
            try report.emit(mode: "traffic", ok: stormFailed == 0,
                            error: stormFailed == 0 ? nil : "\(stormFailed) storm logins failed")
        } catch {
            try report.emit(mode: "traffic", ok: false, error: "\(error)")
        }
    }

    /// The measured round trips: `MSG userB ping-i`, then wait for `MSG … pong-i`.
    private func measure(_ sender: inout LineSession, tally: NIOLockedValueBox<StormTally>, report: inout Report)
        async throws -> Latencies
    {
        var trips = Latencies()
        var startedAt: UInt64 = 0
        var cpuStart = (me: 0, server: Int?.none)
        for i in 0..<(warmupTrips + roundTrips) {
            if i == warmupTrips {
                tally.withLockedValue { $0.measuring = true }
                startedAt = ProcessStats.nowNanos()
                cpuStart = (ProcessStats.selfCPUMicros(), serverPID.flatMap(ProcessStats.cpuTicks(pid:)))
            }
            let token = "pong-\(i)"
            let sent = ProcessStats.nowNanos()
            try await sender.send("MSG \(userB) ping-\(i)")
            while true {
                let line = try await sender.next()
                if line.hasPrefix("MSG "), line.hasSuffix(" " + token) { break }
                if line.hasPrefix("ERR ") { throw ChatFailure("MSG to \(userB): \(line)") }
            }
            if i >= warmupTrips { trips.append(ProcessStats.nowNanos() - sent) }
            if gapMs > 0 { try await Task.sleep(nanoseconds: UInt64(gapMs * 1e6)) }
        }
        tally.withLockedValue { $0.measuring = false }
        let elapsed = Double(ProcessStats.nowNanos() - startedAt) / 1e9
        report.add("measured_seconds", elapsed)
        let stormLogins = tally.withLockedValue { $0.latencies.count }
        if storm > 0 { report.add("storm_logins_per_second", Double(stormLogins) / elapsed, places: 1) }
        report.add("client_cores_busy", Double(ProcessStats.selfCPUMicros() - cpuStart.me) / 1e6 / elapsed)
        if let before = cpuStart.server, let after = serverPID.flatMap(ProcessStats.cpuTicks(pid:)) {
            report.add("server_cores_busy", Double(after - before) / ProcessStats.ticksPerSecond / elapsed)
        }
        return trips
    }

    /// The peer: answers `MSG … ping-i` with `MSG userA pong-i` until `MSG … stop`.
    private static func echoLoop(_ echo: inout LineSession, to userA: String) async throws {
        while true {
            let line = try await echo.next()
            guard line.hasPrefix("MSG ") else { continue }
            if line.hasSuffix(" stop") { return }
            if let dash = line.lastIndex(of: "-"), line[..<dash].hasSuffix(" ping") {
                try await echo.send("MSG \(userA) pong-\(line[line.index(after: dash)...])")
            }
        }
    }

    /// One storm task: connect, LOGIN a random user, wait for the answer, QUIT; again
    /// until stopped.
    private func stormLoop(group: any EventLoopGroup, tally: NIOLockedValueBox<StormTally>) async throws {
        while !tally.withLockedValue({ $0.stopped }) {
            let channel = try await connectLines(group: group, host: host, port: port)
            let user = prefix + String(Int.random(in: stormFirst..<users))
            let (started, refused) = try await channel.executeThenClose { inbound, outbound in
                var session = LineSession(inbound, outbound)
                let started = ProcessStats.nowNanos()
                let refused = try await session.login(user: user, password: password)
                try? await session.send("QUIT")
                return (started, refused)
            }
            let ended = ProcessStats.nowNanos()
            // A login counts when it ends inside the measured window (so the rate is right
            // even when a login lasts longer than a round trip).
            tally.withLockedValue { tally in
                guard tally.measuring else { return }
                if let refused {
                    tally.failures[refused, default: 0] += 1
                } else {
                    tally.latencies.append(ended - started)
                }
            }
        }
    }
}
