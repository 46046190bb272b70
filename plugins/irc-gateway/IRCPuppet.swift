import DequeModule
import Logging
import NIOCore
import ParleyCore
import ParleyIRCNIO
import Synchronization

/// The shell of one XMPP user's connection to one IRC network: runs `PuppetState` (the
/// protocol logic) and performs its actions: the IRC client's lines, joins and parts,
/// stanzas through the component link, timers.
///
/// The puppet lives on its IRC client's event loop (the actor's executor is that loop):
/// a line read from the network reaches the state machine and leaves as a stanza in the
/// same turn of the loop, with no task, queue or thread between them. Requests from other
/// threads hop to the loop once, in order, and at most `maximumWaiting` wait at a time.
actor IRCPuppet {
    /// The requests that may wait for the loop at once: a user cannot queue without limit
    /// behind a busy loop.
    static let maximumWaiting = 1000

    nonisolated let loop: any EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    private var state: PuppetState
    private let logger: Logger
    private var client: IRCClient?
    /// Which client the events come from; a stopped client's late events are ignored.
    private var clientGeneration = 0
    /// Events a client reported while an action was being performed (a callback from
    /// inside one of its own calls), handled once that action is done.
    private var deferredEvents: Deque<IRCClientEvent> = []
    private var performing = false
    private var finished = false
    /// Whether the component link is congested: the client does not read meanwhile.
    private var readingPaused: Bool
    private var finishWaiters: [EventLoopPromise<Void>] = []
    private nonisolated let waiting = Atomic<Int>(0)
    /// Called once the puppet has no channel left and has quit.
    private let onFinished: @Sendable (IRCPuppet) -> Void

    init(
        user: UserID, network: String, nick: String, settings: NetworkSettings, context: GatewayContext, loop: any EventLoop,
        readingPaused: Bool = false, logger: Logger, isPersistent: @escaping @Sendable (String) -> Bool = { _ in false },
        onFinished: @escaping @Sendable (IRCPuppet) -> Void
    ) {
        state = PuppetState(
            user: user, network: network, nick: nick, settings: settings, context: context, isPersistent: isPersistent)
        self.loop = loop
        self.readingPaused = readingPaused
        self.logger = logger
        self.onFinished = onFinished
    }

    // MARK: From other threads

    /// Hands the user's `request` to the puppet: at once on its loop, else after one hop
    /// there, in the order submitted. False when `maximumWaiting` requests already wait.
    @discardableResult
    nonisolated func submit(_ request: GatewayRequest) -> Bool {
        onLoop { $0.handle(request) }
    }

    /// Runs `body` on the puppet: at once on its loop, else after one hop there (NIO keeps
    /// the order of `execute`d tasks). False, without running it, when `bounded` and
    /// `maximumWaiting` bodies already wait (the gateway's own controls are not bounded).
    @discardableResult
    nonisolated func onLoop(bounded: Bool = true, _ body: @escaping @Sendable (isolated IRCPuppet) -> Void) -> Bool {
        if loop.inEventLoop {
            assumeIsolated { body($0) }
            return true
        }
        guard !bounded || waiting.add(1, ordering: .relaxed).newValue <= Self.maximumWaiting else {
            waiting.subtract(1, ordering: .relaxed)
            return false
        }
        loop.execute { [self] in
            if bounded { waiting.subtract(1, ordering: .relaxed) }
            assumeIsolated { body($0) }
        }
        return true
    }

    /// Stops (false) or resumes (true) reading from the network: the component link is
    /// congested, or has drained.
    nonisolated func setReading(_ reading: Bool) {
        onLoop(bounded: false) { puppet in
            puppet.readingPaused = !reading
            puppet.client?.onLoop.setReading(reading)
        }
    }

    /// Quits ("Gateway shutting down"), tells the resources, and completes once the IRC
    /// connection is closed.
    nonisolated func close() -> EventLoopFuture<Void> {
        let closed = loop.makePromise(of: Void.self)
        loop.execute { [self] in
            assumeIsolated { puppet in
                if puppet.finished { return closed.succeed() }
                puppet.finishWaiters.append(closed)
                puppet.handle(.close)
            }
        }
        return closed.futureResult
    }

    // MARK: On the loop

    /// Handles one request of the user's.
    func handle(_ request: GatewayRequest) {
        perform(state.handle(request))
    }

    /// Whether `session` is in the channel `name` (XEP-0410 self-pings).
    func isIn(_ name: String, session: SessionID) -> Bool {
        state.isIn(name, session: session)
    }

    /// Whether the network offers IRCv3 chathistory (XEP-0313 on its channels).
    var offersHistory: Bool { state.offersHistory }

    /// What `get-irc-connection-info` says.
    var connectionInfo: String { state.connectionInfo }

    private func receive(_ event: IRCClientEvent, from generation: Int) {
        guard generation == clientGeneration else { return }
        if performing {
            deferredEvents.append(event)
        } else {
            perform(state.receive(event))
        }
    }

    /// Performs `actions`, then any events their calls into the client reported.
    private func perform(_ actions: [PuppetAction]) {
        let outermost = !performing
        performing = true
        for action in actions { execute(action) }
        guard outermost else { return }
        while let event = deferredEvents.popFirst() {
            for action in state.receive(event) { execute(action) }
        }
        performing = false
    }

    private func execute(_ action: PuppetAction) {
        switch action {
        case .send(let lines):
            client?.onLoop.send(lines)
        case .post(let traffic):
            state.context.link.post(traffic)
        case .connect(let configuration):
            connect(configuration)
        case .disconnectClient:
            stopClient(message: nil)
        case .join(let name, let key):
            client?.onLoop.join(name, key: key)
        case .part(let name):
            client?.onLoop.part(name)
        case .scheduleLeave(let key, let generation, let seconds):
            loop.scheduleTask(in: .seconds(Int64(seconds))) { [weak self] in
                self?.assumeIsolated { $0.perform($0.state.leaveIfIdle(key, generation: generation)) }
            }
        case .scheduleHistoryTimeout(let key, let query, let seconds):
            loop.scheduleTask(in: .seconds(Int64(seconds))) { [weak self] in
                self?.assumeIsolated { $0.perform($0.state.historyTimedOut(key, query: query)) }
            }
        case .log(let message, let metadata):
            logger.info("\(message)", metadata: metadata.mapValues { .string($0) })
        case .finish(let quitMessage):
            stopClient(message: quitMessage).whenComplete { [self] _ in
                assumeIsolated { puppet in
                    puppet.finished = true
                    for waiter in puppet.finishWaiters { waiter.succeed() }
                    puppet.finishWaiters = []
                }
                onFinished(self)
            }
        }
    }

    private func connect(_ configuration: IRCClientConfiguration) {
        clientGeneration += 1
        let generation = clientGeneration
        do {
            let client = try IRCClient(configuration: configuration, loop: loop) { [weak self] event in
                self?.assumeIsolated { $0.receive(event, from: generation) }
            }
            self.client = client
            if readingPaused { client.onLoop.setReading(false) }
            client.onLoop.start()
        } catch {
            perform(state.connectFailed("\(error)"))
        }
    }

    /// Stops the current client; its later events are ignored.
    @discardableResult
    private func stopClient(message: String?) -> EventLoopFuture<Void> {
        let stopped = client
        client = nil
        clientGeneration += 1
        return stopped?.onLoop.stop(message: message) ?? loop.makeSucceededVoidFuture()
    }
}
