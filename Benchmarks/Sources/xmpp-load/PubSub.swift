import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// The processes that serve the workload (the server and --also-pid), summed, and this
/// generator's CPU time, at one moment.
struct ServiceSample {
    var wallNanos: UInt64
    var ticks: Int?
    var rssKiB: Int?
    var writeBytes: Int?
    var selfCPUMicros: Int

    static func take(_ pids: [Int32]) -> ServiceSample {
        func sum(_ read: (Int32) -> Int?) -> Int? {
            guard !pids.isEmpty else { return nil }
            var total = 0
            for pid in pids {
                guard let value = read(pid) else { return nil }
                total += value
            }
            return total
        }
        return ServiceSample(
            wallNanos: ProcessStats.nowNanos(), ticks: sum(ProcessStats.cpuTicks), rssKiB: sum(ProcessStats.rssKiB),
            writeBytes: sum(ProcessStats.writeBytes), selfCPUMicros: ProcessStats.selfCPUMicros())
    }

    /// Wall seconds, the service's CPU µs per `unit` (`server_cpu_us_per_UNIT`) and cores
    /// busy, the generator's cores busy, and with `written` the bytes the service sent to
    /// the disk per unit, from `self` to `end`.
    func figures(to end: ServiceSample, per count: Int, unit: String, written: Bool = false) -> (perUnit: Double?, json: [(String, JSON)]) {
        let seconds = Double(end.wallNanos - wallNanos) / 1e9
        var json: [(String, JSON)] = [("seconds", .number(seconds, places: 3))]
        var perUnit: Double?
        if let t0 = ticks, let t1 = end.ticks {
            let cpu = Double(t1 - t0) / ProcessStats.ticksPerSecond
            perUnit = cpu * 1e6 / Double(max(count, 1))
            json += [
                ("server_cpu_seconds", .number(cpu, places: 2)),
                ("server_cpu_us_per_\(unit)", .number(perUnit, places: 3)),
                ("server_cores_busy", .number(cpu / max(seconds, 1e-9), places: 2)),
            ]
        }
        if written, let w0 = writeBytes, let w1 = end.writeBytes {
            json.append(("server_disk_bytes_written_per_\(unit)", .number(Double(w1 - w0) / Double(max(count, 1)), places: 0)))
        }
        json.append(("generator_cores_busy", .number(Double(end.selfCPUMicros - selfCPUMicros) / 1e6 / max(seconds, 1e-9), places: 2)))
        return (perUnit, json)
    }
}

enum SubscriberJID: String, ExpressibleByArgument, CaseIterable {
    case full, bare
}

/// `xmpp-load pubsub`: N subscribers of one XEP-0060 node, one publisher; server CPU per
/// delivered notification, publishes/s, memory per subscription, and with --persistent
/// publishes/s into a persistent node (docs/benchmarks-pubsub.md).
struct PubSub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubsub",
        abstract: "N sessions subscribe to one pubsub node; measure memory per subscription, CPU per notification, publishes/s.",
        discussion: """
            Phases, each on the same server: (1) N sessions log in and the server's RSS is \
            read once it is quiet; (2) session 0 creates --node on --service (XEP-0060 §8.1.3, \
            with a pubsub#node_config form: open access, payloads delivered, items not \
            persisted, last item never sent); (3) every session subscribes to it (its full JID, \
            or its bare JID with --subscriber-jid bare), at most --max-pending waiting for \
            their answer: server CPU per subscription, and once the server is quiet again \
            (RSS after − RSS before) / N is the memory per subscription, RSS before being \
            read after every session asked for its own subscriptions (§5.6: the same round \
            trip, nothing stored); (4) --rounds fan-out \
            rounds: session 0 publishes --publishes items, each with a payload, keeping at \
            most --window publishes' worth of notifications undelivered; the round ends when \
            every subscriber has received every item and every publish is acknowledged: \
            server CPU / (publishes × N) is the CPU per notification; (5) with --persistent, \
            session 0 creates NODE-persistent (items persisted, pubsub#max_items \
            --max-items) and publishes --persistent-publishes items to it one at a time, each \
            after the previous one's acknowledgement, then fetches the items back (the node \
            must hold min(publishes, --max-items)); before it, the same into NODE-volatile \
            (items not persisted), the round trip and the server's work without storage. The server's CPU is utime + stime of \
            /proc/PID/stat, summed over --server-pid and every --also-pid. All sessions run \
            on one event loop; --stanza-bytes is the size of each publish iq as sent. An error \
            stanza, a refused subscription, a lost or repeated notification, a closed session \
            or a phase timeout is a failure, never a figure.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var phases: PhaseOptions
    @Option(help: "The pubsub service's JID (default pubsub.DOMAIN).") var service: String?
    @Option(help: "The node the subscribers subscribe to (created by session 0).") var node = "bench"
    @Option(help: "Subscribers (users PREFIX0…PREFIX{N-1}; PREFIX0 also publishes).") var subscribers = 1000
    @Option(help: "The JID each session subscribes: full (its own resource, as the Wokkel seed) or bare.")
    var subscriberJid: SubscriberJID = .full
    @Option(help: "Items published per fan-out round (notifications = publishes × N).") var publishes = 200
    @Option(help: "Fan-out rounds (each measured on its own; 0: none).") var rounds = 3
    @Option(help: "Most publishes' worth of notifications undelivered during a fan-out round.") var window = 20
    @Option(help: "Most subscriptions waiting for their answer at once.") var maxPending = 50
    @Option(help: "Pid of another process that serves the workload (an external component, its XMPP server); its CPU and RSS are added to --server-pid's. Repeatable.")
    var alsoPid: [Int32] = []
    @Flag(help: "Also publish one at a time into a node that keeps nothing, then into a persistent node with --max-items.")
    var persistent = false
    @Option(help: "Items published one at a time into each of those nodes.") var persistentPublishes = 2000
    @Option(help: "The persistent node's pubsub#max_items.") var maxItems = 100

    func validate() throws {
        guard subscribers >= 1, publishes > 0, rounds >= 0, window > 0, maxPending > 0, persistentPublishes > 0, maxItems > 0 else {
            throw ValidationError("--subscribers ≥ 1, --rounds ≥ 0, other counts positive")
        }
        guard rounds > 0 || persistent else { throw ValidationError("nothing to measure: --rounds 0 without --persistent") }
        guard common.threads == 1 else { throw ValidationError("pubsub keeps every session on one event loop: --threads 1") }
    }

    func run() async throws {
        try common.requireTCP(mode: "pubsub")
        let n = subscribers
        let run = try RoomRun(
            mode: "pubsub", connections: n, phases: phases,
            watchdog: common.timeout
                ?? (Double(n) / min(phases.ramp, 50) + phases.phaseTimeout * Double(3 + rounds + (persistent ? 2 : 0)) + 4 * phases.settle + 60))
        let loop = run.loop
        let connector = try Connector(common: common)
        let common = self.common
        let pids = (common.serverPID.map { [$0] } ?? []) + alsoPid
        func sample() -> ServiceSample { ServiceSample.take(pids) }
        /// A sample once every server process is quiet and --settle has passed (for RSS).
        func settled(_ stage: String) async -> ServiceSample {
            run.stage("quiet after \(stage)")
            for pid in pids { _ = await ServerQuiet.wait(pid: pid) }
            await sleepSeconds(phases.settle)
            return sample()
        }
        if !pids.isEmpty, sample().rssKiB == nil {
            try await run.abort("cannot read /proc/PID/status of \(pids.map(String.init).joined(separator: ", "))")
        }
        let stanzas = PubSubStanzas(service: service ?? "pubsub.\(common.domain)", stanzaBytes: phases.stanzaBytes)
        let bench = PubSubBench(loop: loop, stanzas: stanzas, subscribers: n)
        run.onTimeout = { bench.fail($0 + (bench.sink.map { " (\($0.status))" } ?? "")) }
        let (node, probe) = (self.node, stanzas.publish(node: self.node, id: "pub0-0", item: "0-0"))
        var json: [(String, JSON)] = [
            ("server", .object([("host", .string(common.host)), ("port", .int(common.port)), ("domain", .string(common.domain))])),
            ("service", .string(stanzas.service)), ("node", .string(node)), ("subscribers", .int(n)),
            ("subscriber_jid", .string(subscriberJid.rawValue)), ("publish_bytes", .int(probe.readableBytes)),
            ("server_pids", .array(pids.map { .int(Int($0)) })),
        ]
        var human = "\(n) subscribers of \(node) on \(stanzas.service)"

        // (1) Sessions.
        try await run.logIn(n, connector: connector, common: common, ramp: phases.ramp) { i, handler in
            handler.observer = bench.members[i]
            bench.sessions[i] = handler
        }
        let loggedIn = await settled("login")

        // (2) The node, (3) the subscriptions.
        run.stage("create")
        _ = try await run.within(loop.flatSubmit {
            bench.expectResult(stanzas.create(node: node, id: "create", persistent: false, maxItems: 1), id: "create", "creating \(node)")
        }, "creating \(node)")
        // The baseline of memory per subscription: every session has made one round trip
        // to the service on the path a subscription takes (§5.6, which stores nothing), so
        // what a session's first exchange with a component costs is not counted.
        run.stage("control round trip")
        try await run.within(loop.flatSubmit { bench.askOwnSubscriptions(node: node, maxPending: maxPending) }, "\(n) control requests")
        let sessionsOnly = await settled("control round trip")
        run.stage("subscribe")
        let (domain, resource, full) = (common.domain, common.resource, subscriberJid == .full)
        let beforeSubscriptions = sample()
        try await run.within(loop.flatSubmit {
            bench.subscribeAll(node: node, jid: { "\(common.user($0))@\(domain)" + (full ? "/\(resource)" : "") }, maxPending: maxPending)
        }, "\(n) subscriptions")
        let subscribed = sample()
        let afterSubscriptions = await settled("subscriptions")
        var subscriptionJSON = beforeSubscriptions.figures(to: subscribed, per: n, unit: "subscription").json
        if let a = sessionsOnly.rssKiB, let b = afterSubscriptions.rssKiB {
            let perSubscription = Double(b - a) * 1024 / Double(n)
            subscriptionJSON += [("server_rss_sessions_kib", .int(a)), ("server_rss_subscribed_kib", .int(b)),
                                 ("server_bytes_per_subscription", .number(perSubscription, places: 0))]
            human += ", RSS \(a) → \(b) KiB = \(Int(perSubscription)) B/subscription"
        }
        if let login = loggedIn.rssKiB, let control = sessionsOnly.rssKiB {
            // What one round trip to the service left in each session (buffers, caches).
            let perSession = Double(control - login) * 1024 / Double(n)
            subscriptionJSON += [("server_rss_login_kib", .int(login)),
                                 ("server_bytes_per_session_first_request", .number(perSession, places: 0))]
            human += " (\(Int(perSession)) B/session after its first request)"
        }
        json.append(("subscriptions", .object(subscriptionJSON)))

        // (4) Fan-out rounds.
        var perNotification: [Double] = []
        var roundJSON: [JSON] = []
        for r in 0..<rounds {
            run.stage("fan-out round \(r + 1)")
            for pid in pids { _ = await ServerQuiet.wait(pid: pid) }
            let fanout = PubSubFanout(bench: bench, node: node, publishes: publishes, window: window, round: r)
            let before = sample()
            loop.execute { fanout.start() }
            _ = try await run.within(fanout.done.futureResult, "fan-out round \(r + 1)")
            let after = sample()
            let seconds = Double(after.wallNanos - before.wallNanos) / 1e9
            let (cpu, figures) = before.figures(to: after, per: fanout.expectedNotifications, unit: "notification")
            if let cpu { perNotification.append(cpu) }
            roundJSON.append(.object(
                [("publishes", .int(publishes)), ("notifications", .int(fanout.expectedNotifications))] + figures + [
                    ("publishes_per_second", .number(Double(publishes) / seconds, places: 0)),
                    ("notifications_per_second", .number(Double(fanout.expectedNotifications) / seconds, places: 0)),
                ]))
        }
        if rounds > 0 {
            json += [("publishes_per_round", .int(publishes)), ("window", .int(window)), ("rounds", .array(roundJSON))]
        }
        if !perNotification.isEmpty {
            json.append(("server_cpu_us_per_notification", .number(median(perNotification), places: 3)))
            human += ", \(perNotification.map { JSON.number($0, places: 2).text }.joined(separator: "/")) µs CPU/notification"
        }

        // (5) Sequential publishes: into a node that keeps nothing (the round trip and the
        // server's work without storage), then into the persistent node.
        if persistent {
            for (suffix, persist) in [("volatile", false), ("persistent", true)] {
                let target = "\(node)-\(suffix)"
                run.stage("create \(target)")
                _ = try await run.within(loop.flatSubmit {
                    bench.expectResult(
                        stanzas.create(node: target, id: "create-\(suffix)", persistent: persist, maxItems: maxItems),
                        id: "create-\(suffix)", "creating \(target)")
                }, "creating \(target)")
                run.stage("sequential publishes to \(target)")
                for pid in pids { _ = await ServerQuiet.wait(pid: pid) }
                let sequence = PubSubSequence(bench: bench, node: target, publishes: persistentPublishes)
                let before = sample()
                loop.execute { sequence.start() }
                _ = try await run.within(sequence.done.futureResult, "\(persistentPublishes) publishes to \(target)")
                let after = sample()
                let rate = Double(persistentPublishes) / (Double(after.wallNanos - before.wallNanos) / 1e9)
                var figures: [(String, JSON)] = [("node", .string(target)), ("persist_items", .bool(persist)),
                                                 ("max_items", .int(maxItems)), ("publishes", .int(persistentPublishes))]
                figures += before.figures(to: after, per: persistentPublishes, unit: "publish", written: true).json
                figures.append(("publishes_per_second", .number(rate, places: 0)))
                if persist {
                    // The node holds the last max_items items, no more, no fewer.
                    run.stage("fetch \(target)")
                    let answer = try await run.within(loop.flatSubmit {
                        bench.expectResult(stanzas.items(node: target, id: "items-\(suffix)"), id: "items-\(suffix)", "fetching \(target)")
                    }, "fetching the items of \(target)")
                    let kept = answer.ranges(of: "<item ").count
                    guard kept == min(persistentPublishes, maxItems) else {
                        try await run.abort("\(target) holds \(kept) items after \(persistentPublishes) publishes, not \(min(persistentPublishes, maxItems)) (max_items \(maxItems))")
                    }
                    figures.append(("items_kept", .int(kept)))
                }
                json.append((suffix, .object(figures)))
                human += ", \(suffix) node \(JSON.number(rate, places: 0).text) publishes/s one at a time"
            }
        }

        json += [
            ("stray_notifications", .int(try await loop.submit { bench.strayNotifications }.get())),
            ("other_messages_received", .int(try await loop.submit { bench.otherMessages }.get())),
        ]
        await run.close()
        json.append(("generator_max_rss_kib", .int(ProcessStats.selfMaxRSSKiB())))
        try finish(mode: run.mode, ok: true, json: json, human: human)
    }
}
