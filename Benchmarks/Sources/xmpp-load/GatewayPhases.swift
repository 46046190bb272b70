import LoadSupport
import NIOCore

/// The text after the 20-digit time stamp of every IRC line the generator sends (100 bytes).
let gatewayIRCText = String((" " + ChatStanza.filler + ChatStanza.filler).utf8.prefix(100))!

/// IRC → XMPP fan-out: the IRC client posts `messages` PRIVMSGs to the shared channel,
/// keeping at most `window` messages' worth of copies undelivered (sent × N − copies ≤
/// window × N); the gateway's puppets each get every line and relay it to their user. The
/// round ends when every user has every message. Confined to the bench's loop.
final class GatewayFanout: GatewaySink, @unchecked Sendable {
    let bench: GatewayBench
    let client: StampedIRCClient
    let channel: String
    let messages: Int
    let window: Int
    /// Succeeds with the time the last copy arrived.
    let done: EventLoopPromise<UInt64>
    private var sent = 0
    private var copies = 0
    private var finished = false

    init(bench: GatewayBench, client: StampedIRCClient, channel: String, messages: Int, window: Int) {
        self.bench = bench
        self.client = client
        self.channel = channel
        self.messages = messages
        self.window = window
        done = bench.loop.makePromise(of: UInt64.self)
    }

    var expectedCopies: Int { messages * bench.users }

    func start() {
        bench.sink = self
        bench.failure.futureResult.whenFailure { [done] in done.fail($0) }
        topUp()
    }

    private func topUp() {
        let n = bench.users
        var wrote = false
        while sent < messages, sent * n - copies < window * n {
            client.privmsg(channel, stampedAt: ProcessStats.nowNanos(), text: gatewayIRCText)
            sent += 1
            wrote = true
        }
        if wrote { client.flush() }
    }

    func xmpp(stamp: UInt64, user: Int, source: GatewaySource) {
        guard !finished, source == .shared else { return }
        copies += 1
        if copies == expectedCopies {
            finished = true
            bench.sink = nil
            done.succeed(ProcessStats.nowNanos())
        }
    }

    func irc(stamp: UInt64, target: ArraySlice<UInt8>, client: StampedIRCClient) {}

    var status: String { "\(sent) of \(messages) messages sent, \(copies) of \(expectedCopies) copies received" }

    func readComplete() {
        if !finished { topUp() }
    }
}

/// XMPP → IRC: users 0..<S post `messages` groupchat messages round robin, each to its own
/// channel's room, keeping at most `window` messages not yet seen by the IRC client (which
/// is in every one of those channels). The gateway writes each as a PRIVMSG on the user's
/// puppet and reflects it to the sender (XEP-0045); the round ends when the IRC client has
/// every message and every sender every reflection. Confined to the bench's loop.
final class GatewayUpstream: GatewaySink, @unchecked Sendable {
    let bench: GatewayBench
    let senders: Int
    let messages: Int
    let window: Int
    /// Succeeds with the time the last message or reflection arrived.
    let done: EventLoopPromise<UInt64>
    private var sent = 0
    private var onIRC = 0
    private var reflected = 0
    private var finished = false

    init(bench: GatewayBench, senders: Int, messages: Int, window: Int) {
        self.bench = bench
        self.senders = senders
        self.messages = messages
        self.window = window
        done = bench.loop.makePromise(of: UInt64.self)
    }

    func start() {
        bench.sink = self
        bench.failure.futureResult.whenFailure { [done] in done.fail($0) }
        topUp()
    }

    private func topUp() {
        var used = Set<Int>()
        while sent < messages, sent - onIRC < window {
            let from = sent % senders
            bench.sessions[from]?.send(bench.own[from].message(stampedAt: ProcessStats.nowNanos()))
            used.insert(from)
            sent += 1
        }
        for from in used { bench.sessions[from]?.flush() }
    }

    private func check() {
        guard !finished, onIRC == messages, reflected == messages else { return }
        finished = true
        bench.sink = nil
        done.succeed(ProcessStats.nowNanos())
    }

    func xmpp(stamp: UInt64, user: Int, source: GatewaySource) {
        guard source == .own, user < senders else { return }
        reflected += 1
        check()
    }

    func irc(stamp: UInt64, target: ArraySlice<UInt8>, client: StampedIRCClient) {
        onIRC += 1
        check()
    }

    var status: String { "\(sent) of \(messages) messages sent, \(onIRC) on IRC, \(reflected) reflected" }

    func readComplete() {
        if !finished { topUp() }
    }
}

/// One-way latency at light load, one message at a time, the next `interval` after the
/// previous one has arrived everywhere it goes (so the servers are idle in between):
///   - ircToXMPP: the IRC client posts to user 0's own channel; timed to user 0.
///   - xmppToIRC: user 0 posts to its own channel's room; timed to the IRC client (the
///     next one also waits for the reflection to user 0).
///   - ircFloor: the IRC client posts to the floor channel; timed to the second IRC client
///     (one hop through the ircd).
///   - xmppFloor: user 0 sends a chat message to user 1; timed to user 1 (one hop through
///     the XMPP server).
/// Confined to the bench's loop.
final class GatewayProbe: GatewaySink, @unchecked Sendable {
    enum Path: String, CaseIterable {
        case ircToXMPP = "irc_to_xmpp", xmppToIRC = "xmpp_to_irc", ircFloor = "floor_irc", xmppFloor = "floor_xmpp"
    }

    let bench: GatewayBench
    let path: Path
    let count: Int
    let interval: TimeAmount
    let ircClient: StampedIRCClient
    let floorClient: StampedIRCClient
    let floorChannel: String
    /// The chat message from user 0 to user 1 (xmppFloor).
    let direct: MUCStanzas
    let done: EventLoopPromise<Void>
    private(set) var latencies: [UInt64] = []
    private var current: UInt64 = 0
    private var events = 0

    init(bench: GatewayBench, path: Path, count: Int, interval: TimeAmount, ircClient: StampedIRCClient,
         floorClient: StampedIRCClient, floorChannel: String, direct: MUCStanzas) {
        self.bench = bench
        self.path = path
        self.count = count
        self.interval = interval
        self.ircClient = ircClient
        self.floorClient = floorClient
        self.floorChannel = floorChannel
        self.direct = direct
        done = bench.loop.makePromise(of: Void.self)
        latencies.reserveCapacity(count)
    }

    /// Arrivals each message waits for before the next one.
    private var needed: Int { path == .xmppToIRC ? 2 : 1 }

    func start() {
        bench.sink = self
        bench.failure.futureResult.whenFailure { [done] in done.fail($0) }
        send()
    }

    private func send() {
        current = ProcessStats.nowNanos()
        events = 0
        switch path {
        case .ircToXMPP:
            ircClient.privmsg(GatewayBench.ownChannel(0), stampedAt: current, text: gatewayIRCText)
            ircClient.flush()
        case .ircFloor:
            ircClient.privmsg(floorChannel, stampedAt: current, text: gatewayIRCText)
            ircClient.flush()
        case .xmppToIRC:
            bench.sessions[0]?.send(bench.own[0].message(stampedAt: current))
            bench.sessions[0]?.flush()
        case .xmppFloor:
            bench.sessions[0]?.send(direct.message(stampedAt: current))
            bench.sessions[0]?.flush()
        }
    }

    private func arrived(timed: Bool) {
        let now = ProcessStats.nowNanos()
        if timed { latencies.append(now &- current) }
        events += 1
        guard events == needed else { return }
        if latencies.count == count {
            bench.sink = nil
            done.succeed(())
        } else {
            bench.loop.scheduleTask(in: interval) { [self] in send() }
        }
    }

    func xmpp(stamp: UInt64, user: Int, source: GatewaySource) {
        guard stamp == current else { return }
        switch (path, user, source) {
        case (.ircToXMPP, 0, .own): arrived(timed: true)
        case (.xmppToIRC, 0, .own): arrived(timed: false)  // the reflection
        case (.xmppFloor, 1, .direct): arrived(timed: true)
        default: break
        }
    }

    func irc(stamp: UInt64, target: ArraySlice<UInt8>, client: StampedIRCClient) {
        guard stamp == current else { return }
        switch path {
        case .xmppToIRC where client === ircClient: arrived(timed: true)
        case .ircFloor where client === floorClient: arrived(timed: true)
        default: break
        }
    }

    func readComplete() {}

    var status: String { "\(latencies.count) of \(count) messages timed, \(events) of \(needed) arrivals of the current one" }
}
