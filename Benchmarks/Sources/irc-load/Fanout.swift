import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// `irc-load fanout`: N members in one channel, S of them send M messages in all, and the
/// server's CPU time per delivered copy is measured over exactly the sending phase.
struct Fanout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "N members join one channel; S of them send M PRIVMSGs; measure server CPU per delivered copy.",
        discussion: """
            Setup: N clients register, all JOIN one channel, each waits for the end of NAMES \
            (366), then the generator waits until every JOIN line has arrived (N(N+1)/2 in all) \
            and the server's CPU time stands still. Measured: from the first PRIVMSG sent until \
            every member received every copy (N-1 per message, N with --echo). A timeout or a \
            dropped connection is a failure, never a figure.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "Members of the channel (connections).") var members = 100
    @Option(help: "Messages sent in all.") var messages = 20_000
    @Option(help: "Members that send (round robin).") var senders = 10
    @Option(help: "Most messages in flight (sent, not yet seen by the witness member).") var window = 50
    @Option(help: "Channel name (default: a random one).") var channel: String?
    @Option(help: "Message text (without 'P', so the counter finds PRIVMSG only).") var text = "fan-out load test message 0123456789"
    @Flag(help: "The server also sends each message back to its sender (echo-message).") var echo = false
    @Option(help: "Seconds the measured phase may take.") var phaseTimeout: Double = 120

    func validate() throws {
        guard members >= 2, messages > 0, window > 0, senders > 0 else {
            throw ValidationError("--members must be at least 2; --messages, --window, --senders positive")
        }
        guard senders * common.threads < members else {
            throw ValidationError("--senders × --threads must be below --members (one member is the witness)")
        }
        guard !text.contains("P"), !text.contains("\r"), !text.contains("\n") else {
            throw ValidationError("--text must not contain 'P', CR or LF")
        }
    }

    /// Messages sender `k` sends.
    private func share(of k: Int) -> Int { messages / senders + (k < messages % senders ? 1 : 0) }

    func run() async throws {
        let mode = "fanout"
        let fileLimit = ProcessStats.raiseFileLimit()
        guard members + 64 <= fileLimit else {
            throw ValidationError("\(members) members need more file descriptors than RLIMIT_NOFILE \(fileLimit)")
        }
        let stage = Stage()
        startWatchdog(mode: mode, seconds: common.timeout, stage: stage)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: common.threads)
        let loops = (0..<common.threads).map { _ in group.next() }
        let tallies = loops.map { LoopTally(loop: $0) }
        let prefix = "f" + randomPrefix()
        let channelName = channel ?? "#load" + randomPrefix()
        let threads = common.threads
        // Senders are members 0, L, 2L, … and the witness is member S·L: all on loop 0.
        let witness = senders * threads
        var report = Report()
        report.add("members", members)
        report.add("messages", messages)
        report.add("senders", senders)
        report.add("window", window)
        report.add("threads", threads)

        var connections: [(channel: any Channel, handler: IRCLoadHandler)] = []
        do {
            stage.name = "register"
            let common = self.common
            connections = try await openRegistered(count: members, loops: loops, common: common, stage: stage) { i, loop in
                let handler = IRCLoadHandler(
                    nick: "\(prefix)\(i)", password: common.password, waitForMOTD: common.waitMotd,
                    tally: tallies[i % threads], loop: loop)
                handler.isWitness = i == witness
                return handler
            }

            stage.name = "join"
            for (channel, handler) in connections { channel.eventLoop.execute { handler.join(channelName) } }
            for (_, handler) in connections { try await handler.joined.futureResult.get() }
            // Every member sees its own JOIN and those of the members after it.
            let joinLines = members * (members + 1) / 2
            let joinDeadline = ProcessStats.nowNanos() + 30_000_000_000
            var seen = 0
            while ProcessStats.nowNanos() < joinDeadline {
                seen = 0
                for tally in tallies { seen += try await tally.loop.submit { tally.joinLines }.get() }
                if seen >= joinLines { break }
                await sleepSeconds(0.02)
            }
            if seen < joinLines { note("irc-load fanout: only \(seen) of \(joinLines) JOIN lines arrived; going on") }
            stage.name = "quiet"
            if !(await waitUntilQuiet(pid: common.serverPID)) { note("irc-load fanout: the server never became quiet; going on") }

            // Arm every loop with the copies due to its members, then send.
            var due = Array(repeating: 0, count: threads)
            for i in 0..<members {
                let own = i % threads == 0 && i / threads < senders ? share(of: i / threads) : 0
                due[i % threads] += echo ? messages : messages - own
            }
            var line = ByteBufferAllocator().buffer(capacity: 64)
            line.writeString("PRIVMSG \(channelName) :\(text)\r\n")
            let pacer = FanoutSender(
                senders: (0..<senders).map { connections[$0 * threads].handler },
                messages: messages, window: window, line: line)
            let dueByLoop = due
            for (t, tally) in tallies.enumerated() {
                try await tally.loop.submit {
                    tally.sender = t == 0 ? pacer : nil
                    tally.arm(expected: dueByLoop[t])
                }.get()
            }
            let timers = tallies.map { tally in
                tally.loop.scheduleTask(in: .milliseconds(Int64(phaseTimeout * 1000))) {
                    tally.fail("the sending phase timed out after \(phaseTimeout) s")
                }
            }
            stage.name = "send"
            note("irc-load fanout: sending \(messages) messages to \(members) members")
            let serverBefore = common.serverPID.flatMap { ProcessStats.cpuTicks(pid: $0) }
            let selfBefore = ProcessStats.selfCPUMicros()
            try await tallies[0].loop.submit { pacer.go() }.get()
            var failure: (any Error)?
            for tally in tallies {
                do { try await tally.done.futureResult.get() } catch { if failure == nil { failure = error } }
            }
            let serverAfter = common.serverPID.flatMap { ProcessStats.cpuTicks(pid: $0) }
            let selfAfter = ProcessStats.selfCPUMicros()
            for timer in timers { timer.cancel() }

            var copies = 0
            var ended: UInt64 = 0
            for tally in tallies {
                let (c, e) = try await tally.loop.submit { (tally.copies, tally.endedAt) }.get()
                copies += c
                ended = max(ended, e)
            }
            let started = try await tallies[0].loop.submit { pacer.startedAt }.get()
            let expected = due.reduce(0, +)
            report.add("receivers_per_message", echo ? members : members - 1)
            report.add("copies_expected", expected)
            report.add("copies_received", copies)
            if let failure {
                stage.name = "close"
                await closeAll(connections)
                try? await group.shutdownGracefully()
                try report.emit(mode: mode, ok: false, error: "\(failure)")
                return
            }
            let seconds = Double(ended - started) / 1e9
            report.add("line_bytes", line.readableBytes)
            report.add("seconds", seconds, places: 3)
            report.add("copies_per_second", Double(copies) / seconds, places: 0)
            if let serverBefore, let serverAfter {
                let cpu = Double(serverAfter - serverBefore) / ProcessStats.ticksPerSecond
                report.add("server_cpu_seconds", cpu)
                report.add("server_cpu_us_per_copy", cpu * 1e6 / Double(copies), places: 3)
                report.add("server_cores_busy", cpu / seconds)
            }
            report.add("generator_cores_busy", Double(selfAfter - selfBefore) / 1e6 / seconds)
            stage.name = "close"
            await closeAll(connections)
            try? await group.shutdownGracefully()
            try report.emit(mode: mode, ok: true)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            await closeAll(connections)
            try? await group.shutdownGracefully()
            report.add("stage", stage.name)
            try report.emit(mode: mode, ok: false, error: "\(error)")
        }
    }
}
