import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// The gateway's, the XMPP server's and the ircd's CPU time, and the gateway's RSS, at one moment.
struct GatewaySample {
    var base: Sample
    var xmppTicks: Int?
    var ircdTicks: Int?

    static func take(gateway: Int32?, xmppServer: Int32?, ircd: Int32?) -> GatewaySample {
        GatewaySample(
            base: Sample.take(serverPID: gateway),
            xmppTicks: xmppServer.flatMap { ProcessStats.cpuTicks(pid: $0) },
            ircdTicks: ircd.flatMap { ProcessStats.cpuTicks(pid: $0) })
    }

    /// CPU µs per `unit` of the gateway, the XMPP server and the ircd from `self` to `end`,
    /// as `gateway_cpu_us_per_UNIT`, `xmpp_server_…`, `ircd_…`, plus the wall time.
    func cpu(to end: GatewaySample, per count: Int, unit: String) -> [(String, JSON)] {
        let seconds = Double(end.base.wallNanos - base.wallNanos) / 1e9
        var out: [(String, JSON)] = [("seconds", .number(seconds, places: 3))]
        func per(_ a: Int?, _ b: Int?, _ name: String) {
            guard let a, let b else { return }
            let cpu = Double(b - a) / ProcessStats.ticksPerSecond
            out.append(("\(name)_cpu_us_per_\(unit)", .number(cpu * 1e6 / Double(max(count, 1)), places: 2)))
            out.append(("\(name)_cores_busy", .number(cpu / max(seconds, 1e-9), places: 2)))
        }
        per(base.serverTicks, end.base.serverTicks, "gateway")
        per(xmppTicks, end.xmppTicks, "xmpp_server")
        per(ircdTicks, end.ircdTicks, "ircd")
        out.append(("generator_cores_busy", .number(Double(end.base.selfCPUMicros - base.selfCPUMicros) / 1e6 / max(seconds, 1e-9), places: 2)))
        return out
    }
}

// MARK: - gateway

struct Gateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An XMPP ↔ IRC gateway (biboumi's addressing) between an XMPP server and an ircd: CPU per relayed message, memory per puppet, latency.",
        discussion: """
            Users PREFIX0…PREFIX{N-1} log in to the XMPP server (--host/--port); the gateway is \
            the server's component --gateway, and the IRC network --network is an ircd on \
            --irc-host/--irc-port, where this generator also runs two raw IRC clients: \
            `ircbench` (in the shared channel, in users 0…S-1's own channels and in #floor) and \
            `ircfloor` (in #floor). Phases: (0) each user runs the gateway's `configure` ad-hoc \
            command (XEP-0050) on NETWORK@GATEWAY: ports = --irc-port, no TLS ports, \
            throttle_limit -1 (with --disable-history also `configure` on the gateway itself: \
            record_history false, max_history_length 0, biboumi's); the gateway's RSS is read \
            once it is quiet; (1) each user enters its own channel's room #bI%NETWORK@GATEWAY/nickI \
            (the gateway connects one IRC puppet per user): gateway CPU per puppet, RSS again; \
            (2) every user enters the shared room: it ends when every user has heard of all N+1 \
            occupants; gateway CPU per entry, RSS again; (3) --rounds IRC → XMPP rounds: \
            `ircbench` posts --copies/N PRIVMSGs to the shared channel within a window, every user \
            gets each; gateway CPU per relayed copy; (4) --rounds XMPP → IRC rounds: users \
            0…S-1 post --messages groupchat messages to their own rooms within a window; \
            `ircbench` gets each and each sender its reflection; gateway CPU per message; (5) \
            latency, one message at a time: IRC → XMPP and XMPP → IRC through the gateway, and \
            the two hops alone as the floor (IRC client → ircd → IRC client, and XMPP client → \
            server → XMPP client). A refusal, an error stanza, a lost connection or a phase \
            timeout is a failure, never a figure.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var phases: PhaseOptions
    @Option(help: "XMPP users (PREFIX0…), one IRC puppet each.") var users = 100
    @Option(help: "The gateway's component domain.") var gateway = "irc.localhost"
    @Option(help: "The IRC network as addressed through the gateway (#chan%NETWORK@GATEWAY).") var network = "127.0.0.1"
    @Option(help: "The ircd's address for the generator's own IRC clients.") var ircHost = "127.0.0.1"
    @Option(help: "The ircd's plain port (also configured as each user's `ports`).") var ircPort: Int
    @Option(help: "The shared channel.") var channel = "#bench"
    @Flag(help: "Also run `configure` on the gateway's own JID: record_history false, max_history_length 0 (biboumi).")
    var disableHistory = false
    @Option(help: "Pid of the XMPP server, for its CPU time.") var xmppServerPid: Int32?
    @Option(help: "Pid of the ircd, for its CPU time.") var ircdPid: Int32?
    @Option(help: "Copies to deliver per IRC → XMPP round (messages = copies / N).") var copies = 100_000
    @Option(help: "XMPP → IRC messages per round.") var messages = 10_000
    @Option(help: "Rounds of each direction (each measured on its own).") var rounds = 2
    @Option(help: "Users that post in the XMPP → IRC rounds (round robin, each in its own channel).") var senders = 5
    @Option(help: "Most messages undelivered during a round (IRC → XMPP: messages' worth of copies).") var window = 20
    @Option(help: "Messages of each latency probe (the first --warmup not counted).") var latencyMessages = 500
    @Option(help: "Most users waiting for their self-presence, or for a command's answer, at once.") var maxPending = 20

    func validate() throws {
        guard users >= 2, copies > 0, messages > 0, rounds >= 1, senders >= 1, senders <= users, window > 0,
              latencyMessages > phases.warmup, phases.warmup >= 0, phases.intervalUs > 0, maxPending > 0 else {
            throw ValidationError("--users ≥ 2, --senders 1…N, --latency-messages > --warmup, counts positive")
        }
        // Parley's throttle_limit -1 is a burst of 10,000 lines, then one a second (see
        // docs/benchmarks-gateway.md): keep every puppet's lines well under it.
        guard rounds * ((messages + senders - 1) / senders) + latencyMessages <= 9_000 else {
            throw ValidationError("each sender may post at most 9,000 lines: rounds × messages / senders + latency messages")
        }
        guard common.threads == 1 else { throw ValidationError("gateway keeps every connection on one event loop: --threads 1") }
    }

    func run() async throws {
        try common.requireTCP(mode: "gateway")
        let n = users
        let run = try RoomRun(
            mode: "gateway", connections: n + 2, phases: phases,
            watchdog: common.timeout
                ?? (Double(n) / min(phases.ramp, 50) + phases.phaseTimeout * Double(4 + 2 * rounds + 4) + 6 * phases.settle + 60))
        let loop = run.loop
        let connector = try Connector(common: common)
        let common = self.common
        let (pid, xmppPID, ircdPID) = (common.serverPID, xmppServerPid, ircdPid)
        func sample() -> GatewaySample { GatewaySample.take(gateway: pid, xmppServer: xmppPID, ircd: ircdPID) }
        let (gateway, network) = (self.gateway, self.network)
        let bench = GatewayBench(
            loop: loop, users: n, sharedChannel: channel, ircNick: "ircbench", stanzaBytes: phases.stanzaBytes,
            room: { "\($0)%\(network)@\(gateway)" })
        let ircClient = StampedIRCClient(nick: "ircbench", password: nil, loop: loop)
        let floorClient = StampedIRCClient(nick: "ircfloor", password: nil, loop: loop)
        ircClient.delegate = bench
        floorClient.delegate = bench
        let floorChannel = "#floor"
        var json: [(String, JSON)] = [
            ("xmpp_server", .object([("host", .string(common.host)), ("port", .int(common.port)), ("domain", .string(common.domain))])),
            ("gateway", .string(gateway)), ("network", .string(network)), ("irc_port", .int(ircPort)),
            ("users", .int(n)), ("shared_room", .string(bench.shared.room)), ("stanza_bytes", .int(bench.shared.messageBytes)),
        ]
        var human = "\(n) users through \(gateway)"
        run.onTimeout = { bench.fail($0 + (bench.sink.map { " (\($0.status))" } ?? "")) }
        func quiet() async {
            _ = await ServerQuiet.wait(pid: pid)
            _ = await ServerQuiet.wait(pid: xmppPID)
        }
        /// A sample once the servers are quiet and --settle has passed (for RSS).
        func settled(_ stage: String) async -> GatewaySample {
            run.stage("quiet after \(stage)")
            await quiet()
            await sleepSeconds(phases.settle)
            return sample()
        }

        // (0) Sessions, the IRC clients in their channels, the per-user settings.
        try await run.logIn(n, connector: connector, common: common, ramp: phases.ramp) { i, handler in
            handler.observer = bench.members[i]
            bench.sessions[i] = handler
        }
        run.stage("IRC clients")
        for (client, joins) in [(ircClient, [channel] + (0..<senders).map(GatewayBench.ownChannel) + [floorChannel]),
                                (floorClient, [floorChannel])] {
            do {
                run.ircChannels.append(try await client.connect(host: ircHost, port: ircPort, on: loop).get())
            } catch {
                try await run.abort("IRC client \(client.nick): connect to \(ircHost):\(ircPort) failed: \(error)")
            }
            try await run.within(client.registered.futureResult, "IRC registration of \(client.nick)")
            try await run.within(loop.flatSubmit { bench.join(client, joins) }, "\(client.nick) joining \(joins.joined(separator: " "))")
        }
        run.stage("configure")
        let ircPort = self.ircPort
        let disableHistory = self.disableHistory
        let beforeConfigure = sample()
        try await run.within(loop.flatSubmit {
            bench.paced(n, maxPending: maxPending) { i in
                var done = bench.configure(
                    user: i, target: "\(network)@\(gateway)",
                    fields: [("ports", ["\(ircPort)"]), ("tls_ports", []), ("throttle_limit", ["-1"])])
                if disableHistory {
                    done = done.flatMap {
                        bench.configure(
                            user: i, target: gateway,
                            fields: [("record_history", ["false"]), ("max_history_length", ["0"]), ("persistent", ["false"])])
                    }
                }
                done.whenComplete { result in
                    if case .failure(let error) = result { bench.fail("\(error)") } else { bench.stepFinished() }
                }
            }
        }, "configure")
        json.append(("configure_seconds", .number(Double(sample().base.wallNanos - beforeConfigure.base.wallNanos) / 1e9, places: 2)))
        let sessionsOnly = await settled("configure")

        // (1) One puppet per user: each enters its own channel's room.
        run.stage("puppets")
        let beforePuppets = sample()
        try await run.within(loop.flatSubmit { bench.enter(ownRooms: true, maxPending: maxPending) }, "entering the own rooms")
        let puppetsUp = sample()
        let withPuppets = await settled("puppets")
        var puppetJSON = beforePuppets.cpu(to: puppetsUp, per: n, unit: "puppet")
        if let a = sessionsOnly.base.serverRSSKiB, let b = withPuppets.base.serverRSSKiB {
            let perPuppet = Double(b - a) * 1024 / Double(n)
            puppetJSON += [("gateway_rss_before_kib", .int(a)), ("gateway_rss_after_kib", .int(b)),
                           ("gateway_bytes_per_puppet", .number(perPuppet, places: 0))]
            human += ", RSS \(a) → \(b) KiB = \(Int(perPuppet)) B/puppet"
        }
        json.append(("puppets", .object(puppetJSON)))

        // (2) Everyone in the shared room.
        run.stage("shared room")
        let beforeShared = sample()
        try await run.within(loop.flatSubmit { bench.enter(ownRooms: false, maxPending: maxPending) }, "entering the shared room")
        try await run.within(loop.flatSubmit { bench.waitForSharedOccupants() }, "every user hearing of all \(n + 1) occupants")
        let sharedUp = sample()
        let inShared = await settled("the shared room")
        var sharedJSON = beforeShared.cpu(to: sharedUp, per: n, unit: "entry")
        sharedJSON.append(("presences_received", .int(try await loop.submit { bench.sharedPresences }.get())))
        if let a = withPuppets.base.serverRSSKiB, let b = inShared.base.serverRSSKiB {
            sharedJSON += [("gateway_rss_after_kib", .int(b)), ("gateway_bytes_per_member", .number(Double(b - a) * 1024 / Double(n), places: 0))]
        }
        json.append(("shared_room", .object(sharedJSON)))

        // (3) IRC → XMPP, (4) XMPP → IRC.
        let perRound = max(1, copies / n)
        var downJSON: [JSON] = []
        var upJSON: [JSON] = []
        var downCPU: [Double] = []
        var upCPU: [Double] = []
        for r in 0..<rounds {
            run.stage("IRC → XMPP round \(r + 1)")
            await quiet()
            let fanout = GatewayFanout(bench: bench, client: ircClient, channel: channel, messages: perRound, window: window)
            let before = sample()
            loop.execute { fanout.start() }
            _ = try await run.within(fanout.done.futureResult, "IRC → XMPP round \(r + 1)")
            let after = sample()
            var round: [(String, JSON)] = [("messages", .int(perRound)), ("copies", .int(fanout.expectedCopies))]
            round += before.cpu(to: after, per: fanout.expectedCopies, unit: "copy")
            round.append(("copies_per_second", .number(Double(fanout.expectedCopies) / (Double(after.base.wallNanos - before.base.wallNanos) / 1e9), places: 0)))
            if let t0 = before.base.serverTicks, let t1 = after.base.serverTicks {
                downCPU.append(Double(t1 - t0) / ProcessStats.ticksPerSecond * 1e6 / Double(fanout.expectedCopies))
            }
            downJSON.append(.object(round))
        }
        for r in 0..<rounds {
            run.stage("XMPP → IRC round \(r + 1)")
            await quiet()
            let upstream = GatewayUpstream(bench: bench, senders: senders, messages: messages, window: window)
            let before = sample()
            loop.execute { upstream.start() }
            _ = try await run.within(upstream.done.futureResult, "XMPP → IRC round \(r + 1)")
            let after = sample()
            var round: [(String, JSON)] = [("messages", .int(messages)), ("senders", .int(senders))]
            round += before.cpu(to: after, per: messages, unit: "message")
            round.append(("messages_per_second", .number(Double(messages) / (Double(after.base.wallNanos - before.base.wallNanos) / 1e9), places: 0)))
            if let t0 = before.base.serverTicks, let t1 = after.base.serverTicks {
                upCPU.append(Double(t1 - t0) / ProcessStats.ticksPerSecond * 1e6 / Double(messages))
            }
            upJSON.append(.object(round))
        }
        json += [("irc_to_xmpp", .array(downJSON)), ("xmpp_to_irc", .array(upJSON)), ("window", .int(window))]
        if !downCPU.isEmpty, !upCPU.isEmpty {
            json += [("gateway_cpu_us_per_copy_irc_to_xmpp", .number(median(downCPU), places: 2)),
                     ("gateway_cpu_us_per_message_xmpp_to_irc", .number(median(upCPU), places: 2))]
            human += ", CPU µs per copy IRC → XMPP \(downCPU.map { JSON.number($0, places: 2).text }.joined(separator: "/"))"
                + ", per message XMPP → IRC \(upCPU.map { JSON.number($0, places: 2).text }.joined(separator: "/"))"
        }

        // (5) Latency.
        let direct = MUCStanzas(room: "\(common.user(1))@\(common.domain)/\(common.resource)", stanzaBytes: phases.stanzaBytes, type: "chat")
        var latencyJSON: [(String, JSON)] = [("messages", .int(latencyMessages)), ("counted", .int(latencyMessages - phases.warmup)),
                                             ("interval_us", .int(phases.intervalUs))]
        for path in GatewayProbe.Path.allCases {
            run.stage("latency \(path.rawValue)")
            await quiet()
            let probe = GatewayProbe(
                bench: bench, path: path, count: latencyMessages, interval: .microseconds(Int64(phases.intervalUs)),
                ircClient: ircClient, floorClient: floorClient, floorChannel: floorChannel, direct: direct)
            loop.execute { probe.start() }
            try await run.within(probe.done.futureResult, "the \(path.rawValue) latency probe")
            if let summary = LatencySummary(try await loop.submit { probe.latencies }.get().dropFirst(phases.warmup)) {
                latencyJSON.append((path.rawValue, summary.json))
                human += ", latency \(path.rawValue) p50/p99 \(JSON.number(summary.percentile(0.5)).text)/\(JSON.number(summary.percentile(0.99)).text) µs"
            }
        }
        json.append(("latency_us", .object(latencyJSON)))

        json.append(("untimed_messages_received", .int(try await loop.submit { bench.otherMessages }.get())))
        if let pid {
            json.append(("gateway_pid", .int(Int(pid))))
            json.append(("gateway_rss_end_kib", .optional(ProcessStats.rssKiB(pid: pid))))
        }
        await run.close()
        json.append(("generator_max_rss_kib", .int(ProcessStats.selfMaxRSSKiB())))
        try finish(mode: run.mode, ok: true, json: json, human: human)
    }
}
