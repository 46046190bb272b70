import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// The component path of issue 4 (client → c2s → component → c2s → client), to compare
/// with `throughput`: each client is a `ThroughputPair` whose sender is its receiver.
struct Echo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "K clients each send chat messages to an echo component and wait for the replies (window W each).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Clients (users PREFIX0…PREFIX{K-1}).") var clients: Int = 10
    @Option(help: "Messages in total, spread over the clients.") var messages: Int = 200_000
    @Option(help: "Most unanswered messages in flight per client.") var window: Int = 20
    @Option(help: "Size of each message stanza as sent, in bytes.") var stanzaBytes: Int = 150
    @Option(help: "The echo component's JID (default echo.DOMAIN).") var component: String?
    @Option(help: "Pid of an external component process, whose CPU time is added to the server's.")
    var componentPID: Int32?
    @Option(help: "New connections per second while logging in.") var ramp: Double = 1000

    func run() async throws {
        try common.requireTCP(mode: "echo")
        let mode = "echo"
        ProcessStats.raiseFileLimit()
        guard clients > 0, messages > 0, window > 0 else { throw ValidationError("counts must be positive") }
        let progress = Progress()
        Watchdog.start(mode: mode, seconds: common.timeout ?? 300, progress: progress)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: common.threads)
        let connector = try Connector(common: common)
        let common = self.common
        let target = component ?? "echo.\(common.domain)"
        var list: [ThroughputPair] = []
        for i in 0..<clients {
            let stanza = ChatStanza.make(to: target, id: "e\(i)", size: stanzaBytes)
            let count = messages / clients + (i < messages % clients ? 1 : 0)
            list.append(ThroughputPair(
                loop: group.next(), total: count, window: window, message: ByteBuffer(string: stanza), progress: progress))
        }
        let clientList = list
        progress.update { $0.stage = "login" }
        let opened = await openSessions(count: clients, ramp: ramp, maxPending: 100, progress: progress) { j in
            let client = clientList[j]
            return connector.open(user: common.user(j), on: client.loop) { handler in
                handler.observer = client
                client.sender = handler
                client.receiver = handler
            }
        }
        let channels = opened.compactMap { $0 }
        if channels.count != clients {
            await closeAll(channels)
            try fail(mode: mode, "login failed: \(progress.state.firstFailure ?? "?")", progress: progress)
        }
        await sleepSeconds(1)  // let presence and roster traffic die down

        progress.update { $0.stage = "messages" }
        let before = Sample.take(serverPID: common.serverPID)
        let componentBefore = componentPID.flatMap { ProcessStats.cpuTicks(pid: $0) }
        for client in clientList { client.loop.execute { client.start() } }
        let finished: [UInt64]
        do {
            finished = try await EventLoopFuture.whenAllSucceed(clientList.map { $0.done.futureResult }, on: group.next()).get()
        } catch {
            await closeAll(channels)
            try fail(mode: mode, "\(error)", progress: progress)
        }
        let after = Sample.take(serverPID: common.serverPID)
        let componentAfter = componentPID.flatMap { ProcessStats.cpuTicks(pid: $0) }
        progress.update { $0.stage = "close" }
        await closeAll(channels)
        try? await group.shutdownGracefully()

        let wall = Double((finished.max() ?? before.wallNanos) - before.wallNanos) / 1e9
        let rate = Double(messages) / wall
        var json: [(String, JSON)] = [
            ("server", .object([("host", .string(common.host)), ("port", .int(common.port)), ("domain", .string(common.domain))])),
            ("component", .string(target)),
            ("clients", .int(clients)), ("messages", .int(messages)), ("window", .int(window)),
            ("stanza_bytes", .int(clientList[0].message.readableBytes)),
            ("seconds", .number(wall, places: 3)),
            ("round_trips_per_second", .number(rate, places: 0)),
        ]
        var human = "\(messages) echo round trips over \(clients) clients (window \(window)) in \(JSON.number(wall, places: 2).text) s = \(Int(rate))/s"
        if let pid = common.serverPID, let t0 = before.serverTicks, let t1 = after.serverTicks {
            let serverSeconds = Double(t1 - t0) / ProcessStats.ticksPerSecond
            json += [
                ("server_pid", .int(Int(pid))),
                ("server_cpu_seconds", .number(serverSeconds, places: 2)),
                ("server_cpu_us_per_message", .number(serverSeconds * 1e6 / Double(messages))),
            ]
            human += ", server CPU \(JSON.number(serverSeconds * 1e6 / Double(messages)).text) µs/msg"
            if let pid = componentPID, let c0 = componentBefore, let c1 = componentAfter {
                let componentSeconds = Double(c1 - c0) / ProcessStats.ticksPerSecond
                let total = (serverSeconds + componentSeconds) * 1e6 / Double(messages)
                json += [
                    ("component_pid", .int(Int(pid))),
                    ("component_cpu_seconds", .number(componentSeconds, places: 2)),
                    ("server_and_component_cpu_us_per_message", .number(total)),
                ]
                human += " + component \(JSON.number(componentSeconds * 1e6 / Double(messages)).text) µs/msg"
            }
        }
        try finish(mode: mode, ok: true, json: json, human: human)
    }
}
