import DequeModule
import Logging
import NIOCore
import NIOPosix
import ParleyCore
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization

/// Everything sent from one of our domains to one remote domain (RFC 6120 §13.7): the
/// outgoing stream, set up on the first stanza and reused until it has been idle for
/// `idle-timeout`; the stanzas that wait while it is set up (bounded), bounced with
/// `remote-server-not-found` or `remote-server-timeout` when it fails; and the dialback
/// verifications the receiving side asks of that domain (XEP-0220 §2.1.3).
///
/// Called from any thread; the stream's I/O runs on `loop`.
final class S2SOutbound: Sendable {
    let pair: S2SDomainPair
    let loop: any EventLoop
    private let shared: S2SShared
    private let state = Mutex(State())
    /// Bytes handed to the stream and not yet taken by its socket.
    private let unconfirmed = Atomic<Int>(0)

    private struct Entry {
        var buffer: ByteBuffer
        /// The model traffic, kept to bounce it if it is never written.
        var origin: ComponentTraffic?
    }

    private enum Phase {
        case idle
        /// Resolving, connecting or negotiating; the stream once it can carry verifications.
        case connecting(verifying: S2SOutboundStream?)
        case established(S2SOutboundStream)
        /// Removed from the table: a sender looks the pair up again.
        case retired
    }

    private struct State {
        var phase = Phase.idle
        var waiting = Deque<Entry>()
        var toFlush: [Entry] = []
        var flushScheduled = false
        var verifications: [(DialbackVerification, @Sendable (DialbackOutcome) -> Void)] = []
        var answers: [String: @Sendable (DialbackOutcome) -> Void] = [:]
        var lastActivity = NIODeadline.now()
        var lastWrite = NIODeadline.now()
        var attempt = 0
        /// The stream of the attempt under way or established: a report from any other
        /// (given up, cut off, closing) concerns nothing that waits now.
        var current: S2SOutboundStream?
    }

    init(pair: S2SDomainPair, loop: any EventLoop, shared: S2SShared) {
        self.pair = pair
        self.loop = loop
        self.shared = shared
    }

    private var logger: Logger { shared.logger }

    // MARK: Sending (any thread)

    /// Queues a stanza from `pair.local` to `pair.remote`; false when this outbound is
    /// retired (the caller asks the table again).
    func send(_ element: XMLElement, origin: ComponentTraffic?) -> Bool {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        buffer.writeXML(element, inheritedNamespace: XMPPNamespace.server)
        let entry = Entry(buffer: buffer, origin: origin.flatMap { Bounce.expectsAnswer($0) ? $0 : nil })
        enum Next { case retired, nothing, connect, flush, overflow }
        let next: Next = state.withLock { state in
            state.lastActivity = .now()
            switch state.phase {
            case .retired:
                return .retired
            case .established:
                state.toFlush.append(entry)
                guard !state.flushScheduled else { return .nothing }
                state.flushScheduled = true
                return .flush
            case .idle:
                state.waiting.append(entry)
                state.phase = .connecting(verifying: nil)
                return .connect
            case .connecting:
                guard state.waiting.count < shared.settings.queueLimit else { return .overflow }
                state.waiting.append(entry)
                return .nothing
            }
        }
        switch next {
        case .retired: return false
        case .nothing: break
        case .connect: loop.execute { self.connect() }
        case .flush: loop.execute { self.flush() }
        case .overflow:
            bounce([entry], StanzaError(.resourceConstraint, type: .wait, text: "too many stanzas wait for \(pair.remote)"))
        }
        return true
    }

    /// Asks the authoritative server of `pair.remote` to check a key (XEP-0220 §2.1.3);
    /// `answer` is called once, with an error outcome if the domain cannot be reached.
    /// False when this outbound is retired (the caller asks the table again).
    func verify(_ request: DialbackVerification, answer: @escaping @Sendable (DialbackOutcome) -> Void) -> Bool {
        let next: Phase = state.withLock { state in
            if case .retired = state.phase { return .retired }
            state.lastActivity = .now()
            state.verifications.append((request, answer))
            if case .idle = state.phase {
                state.phase = .connecting(verifying: nil)
                return .idle
            }
            return state.phase
        }
        switch next {
        case .idle: loop.execute { self.connect() }
        case .established(let stream), .connecting(let stream?): loop.execute { self.sendVerifications(on: stream) }
        case .retired: return false
        case .connecting(nil): break
        }
        return true
    }

    // MARK: Connecting (on the loop)

    private func connect() {
        let remote = pair.remote
        shared.resolver.targets(for: remote, on: loop).whenComplete { result in
            switch result {
            case .success(let targets) where !targets.isEmpty:
                self.attempt(targets, index: 0)
            case .success:
                self.failed(.unreachable("no address for \(remote)"))
            case .failure(let error):
                self.failed(.unreachable("no server for \(remote): \(error)"))
            }
        }
    }

    /// RFC 6120 §3.2.1: each target in turn until one accepts the connection.
    private func attempt(_ targets: [S2SResolver.Target], index: Int) {
        guard index < targets.count else {
            failed(.unreachable("no server of \(pair.remote) accepted a connection"))
            return
        }
        let target = targets[index]
        let shared = self.shared
        let configuration = shared.connectConfiguration(for: pair)
        let made = NIOLoopBoundBox<S2SOutboundStream?>(nil, eventLoop: loop)
        ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(Int64(shared.settings.connectTimeout * 1e9)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let parser = ConnectionParser(limits: shared.xmlLimits)
                    let stream = S2SOutboundStream(
                        channel: channel, parser: parser, configuration: configuration, shared: shared, owner: self)
                    made.value = stream
                    if target.directTLS {
                        try channel.pipeline.syncOperations.addHandler(
                            stream.tlsHandler(context: shared.directTLSClient, remote: configuration.remote))
                    }
                    try XMPPStreamChannelHandler.install(on: channel, decoder: parser.makeDecoder(), connection: stream)
                }
            }
            .connect(host: target.host, port: target.port)
            .whenComplete { result in
                switch result {
                case .success:
                    guard let stream = made.value else { return }
                    let wanted = self.state.withLock { state -> Bool in
                        guard case .connecting = state.phase else { return false }
                        state.current = stream
                        return true
                    }
                    guard wanted else {
                        stream.assumeIsolated { $0.close(sending: nil) }
                        return
                    }
                    self.logger.debug("s2s connected", metadata: ["pair": "\(self.pair)", "target": "\(target.host):\(target.port)"])
                    stream.assumeIsolated { target.directTLS ? $0.startWithTLS() : $0.start() }
                    self.watchNegotiation(of: stream)
                case .failure(let error):
                    self.logger.debug(
                        "s2s connect failed", metadata: ["pair": "\(self.pair)", "target": "\(target.host):\(target.port)", "error": "\(error)"])
                    self.attempt(targets, index: index + 1)
                }
            }
    }

    /// A stream not authenticated within `negotiation-timeout` is given up.
    private func watchNegotiation(of stream: S2SOutboundStream) {
        let attempt = state.withLock { state in
            state.attempt += 1
            return state.attempt
        }
        loop.scheduleTask(in: .nanoseconds(Int64(shared.settings.negotiationTimeout * 1e9))) {
            let stale = self.state.withLock { state -> Bool in
                guard state.attempt == attempt, case .connecting = state.phase else { return false }
                return true
            }
            guard stale else { return }
            // Bounce first: closing the stream reports its end too, as a mere close.
            self.failed(.timeout)
            stream.assumeIsolated { $0.close(sending: StreamError(.connectionTimeout, text: "no authentication in time")) }
        }
    }

    // MARK: Stream reports (on the loop)

    func established(_ stream: S2SOutboundStream, method: String) {
        logger.info("s2s stream established", metadata: ["pair": "\(pair)", "method": "\(method)", "direction": "out"])
        let waiting = state.withLock { state -> Deque<Entry>? in
            // A stream given up meanwhile (timed out, shut down) is not taken back.
            guard case .connecting = state.phase, state.current === stream else { return nil }
            state.phase = .established(stream)
            state.lastActivity = .now()
            defer { state.waiting = [] }
            return state.waiting
        }
        guard let waiting else {
            stream.assumeIsolated { $0.close(sending: nil) }
            return
        }
        write(Array(waiting), on: stream)
        sendVerifications(on: stream)
        scheduleIdleCheck(for: stream)
    }

    /// The stream's TLS is up and its dialback under way: verifications may go on it.
    func readyToVerify(_ stream: S2SOutboundStream) {
        let current = state.withLock { state -> Bool in
            guard case .connecting = state.phase, state.current === stream else { return false }
            state.phase = .connecting(verifying: stream)
            return true
        }
        if current { sendVerifications(on: stream) }
    }

    func verified(_ request: DialbackVerification, outcome: DialbackOutcome) {
        let answer = state.withLock { $0.answers.removeValue(forKey: request.streamID) }
        answer?(outcome)
    }

    func streamEnded(_ stream: S2SOutboundStream, reason: S2SFailure, unanswered: [DialbackVerification]) {
        enum Ended { case established, attempt, stale }
        let (ended, answers) = state.withLock { state -> (Ended, [@Sendable (DialbackOutcome) -> Void]) in
            let answers = unanswered.compactMap { state.answers.removeValue(forKey: $0.streamID) }
            guard state.current === stream else { return (.stale, answers) }
            if case .established = state.phase {
                state.phase = .idle
                state.current = nil
                return (.established, answers)
            }
            return (.attempt, answers)
        }
        for answer in answers { answer(.error(StanzaError(.remoteServerNotFound))) }
        switch ended {
        case .established:
            logger.info("s2s stream closed", metadata: ["pair": "\(pair)", "reason": "\(reason)", "direction": "out"])
            restartIfNeeded()
        case .attempt:
            failed(reason)
        case .stale:
            break
        }
        retireIfIdle()
    }

    /// Leaves the table when nothing is under way: a later sender makes a fresh outbound,
    /// so the table holds only the domains in use.
    private func retireIfIdle() {
        let retired = state.withLock { state -> Bool in
            guard case .idle = state.phase, state.waiting.isEmpty, state.toFlush.isEmpty, !state.flushScheduled,
                state.verifications.isEmpty, state.answers.isEmpty
            else { return false }
            state.phase = .retired
            return true
        }
        if retired { shared.forget(self) }
    }


    /// Connects again if stanzas or verifications arrived while the stream was closing.
    private func restartIfNeeded() {
        let again = state.withLock { state -> Bool in
            guard case .idle = state.phase, !state.waiting.isEmpty || !state.verifications.isEmpty else { return false }
            state.phase = .connecting(verifying: nil)
            return true
        }
        if again { connect() }
    }

    /// The stream could not be set up: bounce what waits, fail the verifications.
    private func failed(_ reason: S2SFailure) {
        defer { retireIfIdle() }
        let (waiting, verifications) = state.withLock { state -> ([Entry], [@Sendable (DialbackOutcome) -> Void]) in
            guard case .connecting = state.phase else { return ([], []) }
            state.phase = .idle
            state.current = nil
            state.attempt += 1
            defer {
                state.waiting = []
                state.verifications = []
            }
            return (Array(state.waiting), state.verifications.map(\.1))
        }
        guard !waiting.isEmpty || !verifications.isEmpty else { return }
        logger.notice("s2s connection failed", metadata: ["pair": "\(pair)", "reason": "\(reason)"])
        bounce(waiting, StanzaError(reason.bounceCondition, text: "\(pair.remote): \(reason)"))
        for answer in verifications { answer(.error(StanzaError(reason.bounceCondition))) }
    }

    private func sendVerifications(on stream: S2SOutboundStream) {
        let requests = state.withLock { state in
            defer { state.verifications = [] }
            for (request, answer) in state.verifications { state.answers[request.streamID] = answer }
            return state.verifications.map(\.0)
        }
        stream.assumeIsolated { stream in
            for request in requests where !stream.verify(request) {
                self.verified(request, outcome: .error(StanzaError(.remoteServerNotFound)))
            }
        }
        // An authoritative server that never answers leaves no one waiting for ever: the
        // receiving stream hears remote-server-timeout after `negotiation-timeout`.
        guard !requests.isEmpty else { return }
        loop.scheduleTask(in: .nanoseconds(Int64(shared.settings.negotiationTimeout * 1e9))) {
            for request in requests { self.verified(request, outcome: .error(StanzaError(.remoteServerTimeout))) }
        }
    }

    // MARK: Writing (on the loop)

    private func flush() {
        let (entries, stream) = state.withLock { state -> ([Entry], S2SOutboundStream?) in
            state.flushScheduled = false
            defer { state.toFlush = [] }
            guard case .established(let stream) = state.phase else { return ([], nil) }
            return (state.toFlush, stream)
        }
        guard let stream else {
            // The stream ended between queueing and flushing: queue again for the next one.
            requeue()
            return
        }
        write(entries, on: stream)
    }

    /// Writes `entries` and flushes once. Bytes the socket has not taken are counted
    /// (released when the batch's last write completes); past `send-queue-limit` the remote
    /// server is not reading: its stream is cut off and what waits is bounced, and every
    /// other domain goes on (RFC 6120 §13.12 on resource exhaustion).
    private func write(_ entries: [Entry], on stream: S2SOutboundStream) {
        guard !entries.isEmpty else { return }
        let bytes = entries.reduce(0) { $0 + $1.buffer.readableBytes }
        // What the socket has not taken from earlier batches decides: a large burst into a
        // server that reads is written; a server that left the last batches unread is cut off.
        guard unconfirmed.load(ordering: .relaxed) <= shared.settings.sendQueueLimitBytes else {
            cutOff(stream, bouncing: entries)
            return
        }
        unconfirmed.add(bytes, ordering: .relaxed)
        state.withLock { $0.lastWrite = .now() }
        let last = entries.count - 1
        stream.assumeIsolated { stream in
            for (index, entry) in entries.enumerated() {
                guard entry.origin != nil || index == last else {
                    stream.write(buffer: entry.buffer, promise: nil)
                    continue
                }
                let promise = self.loop.makePromise(of: Void.self)
                promise.futureResult.whenComplete { result in
                    if case .failure = result, entry.origin != nil {
                        self.bounce([entry], StanzaError(.remoteServerNotFound, text: "the connection to \(self.pair.remote) failed"))
                    }
                    if index == last { self.unconfirmed.subtract(bytes, ordering: .relaxed) }
                }
                stream.write(buffer: entry.buffer, promise: promise)
            }
            stream.flush()
        }
    }

    /// The remote server does not read: its stream ends, what waits for it bounces.
    private func cutOff(_ stream: S2SOutboundStream, bouncing entries: [Entry]) {
        let waiting = state.withLock { state -> [Entry] in
            guard case .established(let active) = state.phase, active === stream else { return [] }
            state.phase = .idle
            state.current = nil
            defer { state.toFlush = [] }
            return state.toFlush
        }
        logger.notice(
            "s2s stream cut off: the remote server does not read",
            metadata: ["pair": "\(pair)", "limit": "\(shared.settings.sendQueueLimitBytes)"])
        bounce(entries + waiting, StanzaError(.remoteServerTimeout, text: "\(pair.remote) is not reading"))
        stream.assumeIsolated {
            $0.close(sending: StreamError(.policyViolation, text: "more than \(self.shared.settings.sendQueueLimitBytes) bytes unread"))
        }
    }

    private func requeue() {
        let connect = state.withLock { state -> Bool in
            state.waiting.append(contentsOf: state.toFlush)
            state.toFlush = []
            guard case .idle = state.phase, !state.waiting.isEmpty else { return false }
            state.phase = .connecting(verifying: nil)
            return true
        }
        if connect { self.connect() }
    }

    // MARK: Idle streams (RFC 6120 §4.6.1)

    private func scheduleIdleCheck(for stream: S2SOutboundStream) {
        let interval = TimeAmount.nanoseconds(Int64(min(shared.settings.idleTimeout, shared.settings.keepaliveInterval) * 1e9))
        loop.scheduleTask(in: interval) { self.checkIdle(stream) }
    }

    private func checkIdle(_ stream: S2SOutboundStream) {
        enum Next { case gone, close, keepalive, wait }
        let next = state.withLock { state -> Next in
            guard case .established(let active) = state.phase, active === stream else { return .gone }
            let now = NIODeadline.now()
            if Double((now - state.lastActivity).nanoseconds) / 1e9 >= shared.settings.idleTimeout {
                state.phase = .idle
                state.current = nil
                return .close
            }
            guard Double((now - state.lastWrite).nanoseconds) / 1e9 >= shared.settings.keepaliveInterval else { return .wait }
            state.lastWrite = now
            return .keepalive
        }
        switch next {
        case .gone:
            return
        case .close:
            logger.info("s2s stream idle: closing", metadata: ["pair": "\(pair)", "direction": "out"])
            stream.assumeIsolated { $0.close(sending: nil) }
            retireIfIdle()
            return
        case .keepalive:
            // RFC 6120 §4.6.1: a dead path shows as a failed write, not as silence.
            var space = ByteBufferAllocator().buffer(capacity: 1)
            space.writeInteger(UInt8(ascii: " "))
            stream.assumeIsolated { stream in
                stream.write(buffer: space, promise: nil)
                stream.flush()
            }
        case .wait:
            break
        }
        scheduleIdleCheck(for: stream)
    }

    /// Ends the stream (shutdown): what waits bounces, verifications are answered.
    func shutdown() {
        let (stream, waiting, verifications) = state.withLock {
            state -> (S2SOutboundStream?, [Entry], [@Sendable (DialbackOutcome) -> Void]) in
            defer {
                state.phase = .retired
                state.current = nil
                state.waiting = []
                state.toFlush = []
                state.verifications = []
                state.answers = [:]
            }
            let answers = state.verifications.map(\.1) + Array(state.answers.values)
            return (state.current, Array(state.waiting) + state.toFlush, answers)
        }
        bounce(waiting, StanzaError(.remoteServerNotFound, text: "the server is shutting down"))
        for answer in verifications { answer(.error(StanzaError(.remoteServerNotFound))) }
        guard let stream else { return }
        loop.execute { stream.assumeIsolated { $0.close(sending: StreamError(.systemShutdown)) } }
    }

    // MARK: Bouncing (RFC 6120 §8.3.3)

    private func bounce(_ entries: [Entry], _ error: StanzaError) {
        let replies = entries.compactMap { entry in
            entry.origin.flatMap { Bounce.reply(to: $0, extensions: shared.codec.stanzas.extensions, error: error) }
        }
        guard !replies.isEmpty, let link = shared.link else { return }
        for reply in replies { link.post(reply) }
    }
}
