import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// One sender and one receiver on the same event loop: the sender keeps at most `window`
/// messages in flight, counted as delivered when the receiver reads them. With an echo
/// component, sender and receiver are one session and a delivery is the echo.
final class ThroughputPair: SessionObserver, @unchecked Sendable {
    // Mutable state is confined to `loop` (both sessions live on it).
    let loop: EventLoop
    let total: Int
    let window: Int
    let message: ByteBuffer
    let done: EventLoopPromise<UInt64>
    let progress: Progress
    var sender: XMPPClientHandler?
    var receiver: XMPPClientHandler?
    private var sent = 0
    private var delivered = 0
    private var unreported = 0
    private var started = false

    init(loop: EventLoop, total: Int, window: Int, message: ByteBuffer, progress: Progress) {
        self.loop = loop
        self.total = total
        self.window = window
        self.message = message
        self.progress = progress
        self.done = loop.makePromise(of: UInt64.self)
    }

    func start() {
        loop.preconditionInEventLoop()
        started = true
        if total == 0 { done.succeed(ProcessStats.nowNanos()) } else { topUp() }
    }

    private func topUp() {
        guard started, let sender else { return }
        let allowed = min(window - (sent - delivered), total - sent)
        guard allowed > 0 else { return }
        for _ in 0..<allowed { sender.send(message) }
        sent += allowed
        sender.flush()
    }

    func received(message bytes: UnsafeRawBufferPointer, on session: XMPPClientHandler) {
        if StanzaView.attribute("type", in: bytes) == "error" {
            done.fail(LoadError("the server bounced a message: \(String(decoding: bytes.prefix(300), as: UTF8.self))"))
        } else if session === receiver {
            guard started else { return }  // nothing of ours is in flight yet
            delivered += 1
            unreported += 1
            if delivered == total {
                done.succeed(ProcessStats.nowNanos())
            }
        }
    }

    func readComplete(on session: XMPPClientHandler) {
        guard session === receiver else { return }
        if unreported > 0 {
            let n = unreported
            unreported = 0
            progress.update { $0.delivered += n }
        }
        topUp()
    }

    func closed(_ session: XMPPClientHandler, reason: String) {
        done.fail(LoadError("\(session.settings.user): \(reason)"))
    }
}

struct Throughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "K sender/receiver pairs exchange M one-to-one chat messages with a window of W each.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Sender/receiver pairs (users PREFIX0…PREFIX{2K-1}).") var pairs: Int = 10
    @Option(help: "Messages in total, spread over the pairs.") var messages: Int = 200_000
    @Option(help: "Most unacknowledged messages in flight per pair.") var window: Int = 20
    @Option(help: "Size of each message stanza as sent, in bytes.") var stanzaBytes: Int = 150
    @Option(help: "New connections per second while logging in.") var ramp: Double = 1000

    func run() async throws {
        let mode = "throughput"
        ProcessStats.raiseFileLimit()
        guard pairs > 0, messages > 0, window > 0 else { throw ValidationError("counts must be positive") }
        let progress = Progress()
        Watchdog.start(mode: mode, seconds: common.timeout ?? 300, progress: progress)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: common.threads)
        let connector = try Connector(common: common)
        let common = self.common
        var list: [ThroughputPair] = []
        for i in 0..<pairs {
            let to = "\(common.user(2 * i + 1))@\(common.domain)/\(common.resource)"
            let stanza = ChatStanza.make(
                to: to, id: "t\(i)", size: stanzaBytes, namespace: common.transport.stanzaNamespace)
            let count = messages / pairs + (i < messages % pairs ? 1 : 0)
            list.append(ThroughputPair(
                loop: group.next(), total: count, window: window,
                message: ByteBuffer(string: stanza), progress: progress))
        }
        let pairList = list
        progress.update { $0.stage = "login" }
        let opened = await openSessions(count: 2 * pairs, ramp: ramp, maxPending: 100, progress: progress) { j in
            let pair = pairList[j / 2]
            return connector.open(user: common.user(j), on: pair.loop) { handler in
                handler.observer = pair
                if j % 2 == 0 { pair.sender = handler } else { pair.receiver = handler }
            }
        }
        let channels = opened.compactMap { $0 }
        if channels.count != 2 * pairs {
            await closeAll(channels)
            try fail(mode: mode, "login failed: \(progress.state.firstFailure ?? "?")", progress: progress)
        }
        await sleepSeconds(1)  // let presence and roster traffic die down

        progress.update { $0.stage = "messages" }
        let pid = common.serverPID
        let before = Sample.take(serverPID: pid)
        for pair in pairList { pair.loop.execute { pair.start() } }
        let finished: [UInt64]
        do {
            finished = try await EventLoopFuture.whenAllSucceed(pairList.map { $0.done.futureResult }, on: group.next()).get()
        } catch {
            await closeAll(channels)
            try fail(mode: mode, "\(error)", progress: progress)
        }
        let after = Sample.take(serverPID: pid)
        progress.update { $0.stage = "close" }
        await closeAll(channels)
        try? await group.shutdownGracefully()

        let wall = Double(finished.max()! - before.wallNanos) / 1e9
        let rate = Double(messages) / wall
        let generatorMicros = Double(after.selfCPUMicros - before.selfCPUMicros)
        var json: [(String, JSON)] = [
            ("server", .object([("host", .string(common.host)), ("port", .int(common.port)), ("domain", .string(common.domain))])),
        ] + common.transportJSON + [
            ("pairs", .int(pairs)), ("messages", .int(messages)), ("window", .int(window)),
            ("stanza_bytes", .int(pairList[0].message.readableBytes)),
            ("seconds", .number(wall, places: 3)),
            ("messages_per_second", .number(rate, places: 0)),
        ]
        var human = "\(messages) messages over \(pairs) pairs (window \(window)) in \(JSON.number(wall, places: 2).text) s = \(Int(rate)) msg/s"
        if let pid, let t0 = before.serverTicks, let t1 = after.serverTicks {
            let serverSeconds = Double(t1 - t0) / ProcessStats.ticksPerSecond
            let perMessage = serverSeconds * 1e6 / Double(messages)
            json += [
                ("server_pid", .int(Int(pid))),
                ("server_cpu_seconds", .number(serverSeconds, places: 2)),
                ("server_cpu_us_per_message", .number(perMessage)),
                ("server_cpu_cores_busy", .number(serverSeconds / wall, places: 2)),
                ("server_cpu_tick_resolution_us_per_message", .number(1e6 / ProcessStats.ticksPerSecond / Double(messages), places: 3)),
            ]
            human += ", server CPU \(JSON.number(perMessage).text) µs/msg (\(JSON.number(serverSeconds / wall, places: 2).text) cores busy)"
        }
        let generatorBusy = generatorMicros / 1e6 / wall
        json += [
            ("generator_threads", .int(common.threads)),
            ("generator_cpu_us_per_message", .number(generatorMicros / Double(messages), places: 2)),
            ("generator_cpu_cores_busy", .number(generatorBusy, places: 2)),
            // Near the thread count, the generator (not the server) limits the rate.
            ("generator_saturated", .bool(generatorBusy > 0.9 * Double(common.threads))),
        ]
        human += ", generator \(JSON.number(generatorMicros / Double(messages), places: 2).text) µs/msg (\(JSON.number(generatorBusy, places: 2).text) cores busy)"
        try finish(mode: mode, ok: true, json: json, human: human)
    }
}
