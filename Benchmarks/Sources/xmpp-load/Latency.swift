import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// Sends one message every `interval` on its own schedule (not paced by replies), each
/// carrying the monotonic send time in nanoseconds at the start of its body.
final class LatencySender: SessionObserver, @unchecked Sendable {
    // Confined to `loop`.
    let loop: EventLoop
    let count: Int
    let interval: TimeAmount
    let prefix: ByteBuffer
    let suffix: ByteBuffer
    let failure: EventLoopPromise<Void>
    var session: XMPPClientHandler?
    private var base = NIODeadline.now()
    private var sent = 0

    init(loop: EventLoop, to: String, count: Int, interval: TimeAmount, stanzaBytes: Int) {
        self.loop = loop
        self.count = count
        self.interval = interval
        // The body starts with 20 digits of timestamp and a space, then filler.
        let lead = String(repeating: "0", count: 20) + " "
        let body = ChatStanza.body(to: to, id: "l", size: stanzaBytes, lead: lead)
        self.prefix = ByteBuffer(string: ChatStanza.prefix(to: to, id: "l"))
        self.suffix = ByteBuffer(string: String(body.dropFirst(20)) + ChatStanza.suffix)
        self.failure = loop.makePromise(of: Void.self)
    }

    func start() {
        loop.preconditionInEventLoop()
        base = .now()
        tick()
    }

    private func tick() {
        guard let session, sent < count else { return }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(prefix.readableBytes + 20 + suffix.readableBytes)
        buffer.writeImmutableBuffer(prefix)
        let stamp = String(ProcessStats.nowNanos())
        buffer.writeString(String(repeating: "0", count: 20 - stamp.utf8.count) + stamp)
        buffer.writeImmutableBuffer(suffix)
        session.send(buffer)
        session.flush()
        sent += 1
        if sent < count {
            let next = base + interval * Int64(sent)
            loop.scheduleTask(deadline: next) { self.tick() }
        }
    }

    func received(message bytes: UnsafeRawBufferPointer, on session: XMPPClientHandler) {
        if StanzaView.attribute("type", in: bytes) == "error" {
            failure.fail(LoadError("the server bounced a message: \(String(decoding: bytes.prefix(300), as: UTF8.self))"))
        }
    }

    func readComplete(on session: XMPPClientHandler) {}

    func closed(_ session: XMPPClientHandler, reason: String) {
        failure.fail(LoadError("sender \(session.settings.user): \(reason)"))
    }
}

/// Records now − timestamp for each message it receives.
final class LatencyReceiver: SessionObserver, @unchecked Sendable {
    // Confined to `loop`.
    let loop: EventLoop
    let count: Int
    let done: EventLoopPromise<[UInt64]>
    let progress: Progress
    private var latencies: [UInt64] = []

    init(loop: EventLoop, count: Int, progress: Progress) {
        self.loop = loop
        self.count = count
        self.progress = progress
        self.done = loop.makePromise(of: [UInt64].self)
        latencies.reserveCapacity(count)
    }

    func received(message bytes: UnsafeRawBufferPointer, on session: XMPPClientHandler) {
        let now = ProcessStats.nowNanos()
        guard let stamp = StanzaView.leadingNumberInBody(bytes) else {
            done.fail(LoadError("a message without a timestamp: \(String(decoding: bytes.prefix(300), as: UTF8.self))"))
            return
        }
        latencies.append(now &- stamp)
        if latencies.count % 100 == 0 { progress.update { $0.delivered = latencies.count } }
        if latencies.count == count { done.succeed(latencies) }
    }

    func readComplete(on session: XMPPClientHandler) {}

    func closed(_ session: XMPPClientHandler, reason: String) {
        done.fail(LoadError("receiver \(session.settings.user): \(reason)"))
    }
}

struct Latency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One pair, one message every I µs carrying its send time; one-way latency percentiles.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Messages to send (the first --warmup are not counted).") var messages: Int = 10_000
    @Option(help: "Microseconds between two messages.") var intervalUs: Int = 1000
    @Option(help: "Messages at the start left out of the figures.") var warmup: Int = 200
    @Option(help: "Size of each message stanza as sent, in bytes.") var stanzaBytes: Int = 150

    func run() async throws {
        try common.requireTCP(mode: "latency")
        let mode = "latency"
        ProcessStats.raiseFileLimit()
        guard messages > warmup, warmup >= 0, intervalUs > 0 else {
            throw ValidationError("--messages must exceed --warmup, and --interval-us must be positive")
        }
        let progress = Progress()
        let expected = Double(messages) * Double(intervalUs) / 1e6
        Watchdog.start(mode: mode, seconds: common.timeout ?? (expected * 2 + Double(common.loginTimeout) + 20), progress: progress)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: common.threads)
        let connector = try Connector(common: common)
        let senderLoop = group.next()
        let receiverLoop = group.next()  // another thread when --threads 2
        let to = "\(common.user(1))@\(common.domain)/\(common.resource)"
        let sender = LatencySender(
            loop: senderLoop, to: to, count: messages, interval: .microseconds(Int64(intervalUs)),
            stanzaBytes: stanzaBytes)
        let receiver = LatencyReceiver(loop: receiverLoop, count: messages, progress: progress)

        progress.update { $0.stage = "login" }
        var channels: [Channel] = []
        do {
            channels.append(try await connector.open(user: common.user(1), on: receiverLoop) { handler in
                handler.observer = receiver
            }.get())
            channels.append(try await connector.open(user: common.user(0), on: senderLoop) { handler in
                handler.observer = sender
                sender.session = handler
            }.get())
            progress.update { $0.ready = 2 }
        } catch {
            await closeAll(channels)
            try fail(mode: mode, "login failed: \(error)", progress: progress)
        }
        await sleepSeconds(0.5)

        progress.update { $0.stage = "messages" }
        let pid = common.serverPID
        let before = Sample.take(serverPID: pid)
        senderLoop.execute { sender.start() }
        // Either every message arrives or a session fails.
        let outcome = receiverLoop.makePromise(of: [UInt64]?.self)
        receiver.done.futureResult.whenComplete { outcome.completeWith($0.map { Optional($0) }) }
        sender.failure.futureResult.whenFailure { outcome.fail($0) }
        let latencies: [UInt64]
        do {
            defer { sender.failure.succeed(()) }
            guard let values = try await outcome.futureResult.get() else { throw LoadError("sender finished without a result") }
            latencies = values
        } catch {
            await closeAll(channels)
            try fail(mode: mode, "\(error)", progress: progress)
        }
        let after = Sample.take(serverPID: pid)
        progress.update { $0.stage = "close" }
        await closeAll(channels)
        try? await group.shutdownGracefully()

        let counted = LatencySummary(latencies.dropFirst(warmup))!  // --messages > --warmup
        let wall = Double(after.wallNanos - before.wallNanos) / 1e9
        var json: [(String, JSON)] = [
            ("server", .object([("host", .string(common.host)), ("port", .int(common.port)), ("domain", .string(common.domain))])),
            ("tls", .string(common.tls.rawValue)),
            ("messages", .int(messages)), ("counted", .int(counted.count)), ("interval_us", .int(intervalUs)),
            ("stanza_bytes", .int(sender.prefix.readableBytes + 20 + sender.suffix.readableBytes)),
            ("latency_us", counted.json),
            ("generator_threads", .int(common.threads)),
            ("generator_cpu_us_per_message", .number(Double(after.selfCPUMicros - before.selfCPUMicros) / Double(messages), places: 2)),
        ]
        if let pid, let t0 = before.serverTicks, let t1 = after.serverTicks {
            json += [
                ("server_pid", .int(Int(pid))),
                ("server_cpu_cores_busy", .number(Double(t1 - t0) / ProcessStats.ticksPerSecond / wall, places: 3)),
            ]
        }
        let human = "one-way latency over \(counted.count) messages every \(intervalUs) µs: \(counted.text)"
        try finish(mode: mode, ok: true, json: json, human: human)
    }
}
