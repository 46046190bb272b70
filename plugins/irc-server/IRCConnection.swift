import Foundation
import ParleyServerNIO
import Logging
import NIOCore
import ParleyCore
import ParleyCred
import ParleyIRC
import ParleyIRCNIO

/// One IRC client. The actor runs on its channel's event loop, so the handler hands it
/// each parsed line synchronously and every write happens on the right thread. Lines run
/// strictly in order: a command that awaits the model runs in one `Task` isolated to the
/// actor while later lines wait in the connection's `SerialInbox` (reading pauses while it
/// is congested). An idle connection owns no task and no timer (the server runtime's
/// `LoopSweeper` ticks it).
final actor IRCConnection: LoopBoundConnection {
    nonisolated let channel: any Channel
    nonisolated var unownedExecutor: UnownedSerialExecutor { channel.eventLoop.executor.asUnownedSerialExecutor() }
    nonisolated var eventLoop: any EventLoop { channel.eventLoop }

    let shared: IRCServerShared
    /// Whether the client connected to the TLS port.
    let secure: Bool
    // The one-byte fields sit together, after `secure`, in one word of the object (memory
    // per idle client is a target).
    var closed = false
    /// Failed OPER attempts (closed at `max-auth-failures`).
    var operFailures: UInt8 = 0
    /// Between `beginLabel` and `endLabel`: replies go to the mind's capture.
    private var labeling = false
    var registration = IRCRegistration()
    var login: Login<ChatAccount>?
    /// The model session, once registered.
    var session: ChatSession?
    /// The core user: the account's, or a guest's (a generated name, `ChatSession.isGuest`).
    var userID: UserID? { session?.user }
    var mind: IRCMind?
    /// `nick!user@host` as others see this client (`IRCMind.Registered.hostmask`), `*`
    /// before registration.
    var hostmask: String { mind?.registered?.hostmask ?? "*" }
    /// What its rooms tell the peers when the server ends the connection itself.
    var closingMessage: String?

    private var inbox: SerialInbox<IRCMessage>
    /// Lines gathered by `corking`, written at its end.
    private var corked: ByteBuffer?
    private var flood: IRCFloodControl
    private var lastActivity: NIODeadline
    private var pingSentAt: NIODeadline?
    private let openedAt: NIODeadline

    init(channel: any Channel, shared: IRCServerShared, secure: Bool) {
        self.channel = channel
        self.shared = shared
        self.secure = secure
        flood = IRCFloodControl(burst: shared.settings.floodBurst, rate: shared.settings.floodRate)
        // Flood control closes a client more than twice its burst ahead, so the inbox is
        // congested only when lines wait for the model, not for the flood clock.
        inbox = SerialInbox(limit: 2 * shared.settings.floodBurst + 1)
        registration.maxAuthFailures = shared.settings.maxAuthFailures
        let now = NIODeadline.now()
        lastActivity = now
        openedAt = now
    }

    /// The current nick, `*` before one was accepted.
    var nick: String { registration.nick ?? "*" }
    var capabilities: IRCCapabilities { registration.capabilities }
    var isRegistered: Bool { registration.registered }
    /// The account name when logged in.
    var account: String? { registration.account }
    var serverName: String { shared.serverName }

    /// Logs with the peer, built only when the line is written.
    func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message, _ metadata: Logger.Metadata = [:]) {
        let logger = shared.logger
        guard logger.logLevel <= level else { return }
        var all = metadata
        all["peer"] = "\(channel.remoteAddress?.description ?? "?")"
        all["nick"] = "\(nick)"
        logger.log(level: level, message(), metadata: all)
    }

    // MARK: Writing

    /// Writes one line (RFC 1459 §2.3: CR LF terminated) and flushes.
    func send(_ message: IRCMessage) {
        guard channel.isActive else { return }
        // A labeled command's reply is gathered by the mind (`beginLabel`).
        if labeling, let mind, mind.capture([message]) { return }
        if corked != nil {
            corked!.writeIRCMessage(message)
            return
        }
        var buffer = channel.allocator.buffer(capacity: 128)
        buffer.writeIRCMessage(message)
        write(buffer)
    }

    /// Runs `body` with every `send` gathered into one buffer and written once at the end
    /// (the welcome burst: one write and one allocation instead of twenty).
    func corking(_ body: () -> Void) {
        guard corked == nil else { return body() }
        corked = channel.allocator.buffer(capacity: 2048)
        body()
        if let buffer = corked.take(), buffer.readableBytes > 0, channel.isActive { write(buffer) }
    }

    private func write(_ buffer: ByteBuffer) {
        if let mind {
            mind.flusher.write(buffer)  // after any room lines gathered for this client
        } else {
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    /// A numeric (or other server reply) from the server to this client: the server name
    /// is the source and the client's nick (`*` before registration) the first parameter.
    func numeric(_ code: String, _ parameters: [String]) {
        send(IRCMessage(source: serverName, command: code, parameters: [nick] + parameters))
    }

    /// `ERROR :<text>` and close (RFC 2812 §3.7.4); later lines are ignored.
    /// The client left more than `max-send-queue` bytes unread: its peers see it quit
    /// with "Max SendQ exceeded".
    func sendQueueExceeded() {
        guard !closed else { return }
        log(.notice, "client cut off: it does not read", ["limit": "\(shared.settings.sendQueue.bytes)"])
        closingMessage = "Max SendQ exceeded"
        close("Closing Link: Max SendQ exceeded")
    }

    func close(_ text: String) {
        guard !closed else { return }
        endLabel()  // what was gathered goes out before the ERROR, which is never gathered
        closed = true
        inbox.removeAll()
        send(IRCMessage(command: "ERROR", parameters: [text]))
        channel.close(promise: nil)
    }

    // MARK: Reading (called by IRCServerHandler on the event loop)

    /// One parsed line from the client.
    func receive(_ message: IRCMessage) {
        let now = NIODeadline.now()
        lastActivity = now
        pingSentAt = nil
        guard !closed else { return }
        let idle = inbox.push(message)
        if flood.isFlooding(now: now, waiting: inbox.count) {
            log(.notice, "excess flood")
            close("Excess Flood")
            return
        }
        inbox.updateReading(of: channel)
        if idle { drain() }
    }


    /// A line refused before it could run counts as activity and against the flood limit;
    /// false when the connection is (now) closed.
    func chargeRefusedLine() -> Bool {
        let now = NIODeadline.now()
        lastActivity = now
        pingSentAt = nil
        guard !closed else { return false }
        flood.charge(now: now)
        if flood.isFlooding(now: now, waiting: inbox.count) {
            log(.notice, "excess flood")
            close("Excess Flood")
            return false
        }
        return true
    }

    /// Runs queued lines until one must wait: for flood control, or for the model.
    private func drain() {
        while !closed, inbox.first != nil {
            switch flood.next(now: .now()) {
            case .wait(let delay):
                inbox.hold()
                channel.eventLoop.scheduleTask(in: delay) { [self] in
                    self.assumeIsolated { connection in
                        connection.inbox.finished()
                        connection.drain()
                    }
                }
                return
            case .process:
                guard let message = inbox.next() else { break }
                inbox.updateReading(of: channel)
                beginLabel(for: message)
                guard let job = handle(message) else {
                    endLabel()
                    continue
                }
                Task {
                    await self.run(job)
                    self.endLabel()
                    self.inbox.finished()
                    self.drain()
                }
                return
            }
        }
        // An idle client keeps no queue storage (memory per idle client is a target).
        inbox.finished()
    }

    // MARK: Labeled responses (IRCv3 labeled-response)

    /// Starts gathering the replies to `message` when it carries a `label` and the client
    /// negotiated labeled-response with batch (registered clients only).
    private func beginLabel(for message: IRCMessage) {
        guard !message.tags.isEmpty, isRegistered, capabilities.isSuperset(of: [.labeledResponse, .batch]), let mind,
            let value = message.tags.first(where: { $0.key == "label" })?.value, !value.isEmpty, value.utf8.count <= 64
        else { return }
        mind.beginCapture(label: value)
        labeling = true
    }

    /// Sends the gathered replies with the label: `ACK` for none, the one line tagged, or a
    /// `labeled-response` batch whose start carries the label.
    func endLabel() {
        guard labeling else { return }
        labeling = false
        guard let capture = mind?.endCapture() else { return }
        let lines = capture.lines
        let labelTag = IRCTag("label", capture.label)
        corking {
            switch lines.count {
            case 0:
                send(IRCMessage(tags: [labelTag], source: serverName, command: "ACK", parameters: []))
            case 1:
                var line = lines[0]
                line.tags.append(labelTag)
                send(line)
            default:
                let reference = shared.nextBatchReference()
                send(IRCMessage(tags: [labelTag], source: serverName, command: "BATCH", parameters: ["+" + reference, "labeled-response"]))
                for var line in lines {
                    line.tags.append(IRCTag("batch", reference))
                    send(line)
                }
                send(IRCMessage(source: serverName, command: "BATCH", parameters: ["-" + reference]))
            }
        }
    }

    /// Work that awaits the model or the portal.
    enum Job: Sendable {
        case command(IRCMessage)
        case authenticate(UsernamePassword)
        case register
        case changeNick(String)
        case quit(String)
    }

    private func run(_ job: Job) async {
        switch job {
        case .command(let message):
            if await !handleRegisteredCommand(message) {
                numeric(IRCNumeric.unknownCommand, [message.command, "Unknown command"])
            }
        case .authenticate(let credentials): await authenticate(credentials)
        case .register: await completeRegistration()
        case .changeNick(let nick): await changeNick(to: nick)
        case .quit(let reason): await quit(reason)
        }
    }

    /// Handles one line at once, or returns the job that must await.
    private func handle(_ message: IRCMessage) -> Job? {
        switch message.command {
        case "PING":
            // RFC 2812 §3.7.2: PONG with the server name and the token.
            guard let token = message.parameters.first else {
                numeric("409", ["No origin specified"])
                return nil
            }
            send(IRCMessage(source: serverName, command: "PONG", parameters: [serverName, token]))
            return nil
        case "PONG":
            return nil
        case "QUIT":
            return .quit(message.parameters.first ?? "Client Quit")
        case "CAP":
            return perform(registration.cap(message.parameters, offered: offeredCapabilities, saslMechanisms: saslMechanisms))
        case "PASS":
            // RFC 4616 §6 reasoning applies to PASS too: no clear-text password unless allowed.
            guard secure || shared.settings.allowPlainWithoutTLS || registration.registered else {
                numeric(IRCNumeric.passwordMismatch, ["Passwords are only accepted over TLS"])
                return nil
            }
            return perform(registration.pass(message.parameters))
        case "USER":
            return perform(registration.user(message.parameters))
        case "NICK":
            return nickCommand(message.parameters)
        case "AUTHENTICATE":
            return perform(registration.authenticate(message.parameters, mechanisms: saslMechanisms))
        default:
            break
        }
        guard isRegistered else {
            numeric(IRCNumeric.notRegistered, ["You have not registered"])
            return nil
        }
        switch message.command {
        case "VERSION":
            numeric("351", [IRCServerInfo.version + ".", serverName, "Parley IRC server"])
            sendISupport()
        case "MOTD":
            sendMOTD()
        case "LUSERS":
            sendLusers()
        case "WALLOPS":
            wallops(message)
        default:
            return .command(message)
        }
        return nil
    }

    /// The SASL mechanisms of this connection: PLAIN needs TLS unless allowed without.
    var saslMechanisms: [String] { shared.saslMechanisms(secure: secure) }

    /// The capabilities this connection may request (`sasl` only when a mechanism is usable).
    var offeredCapabilities: IRCCapabilities {
        var all = IRCCapabilities(IRCCapabilities.names.map(\.0))
        if saslMechanisms.isEmpty { all.remove(.sasl) }
        return all
    }

    /// Carries out registration actions; returns the job to await, if any.
    func perform(_ actions: [IRCRegistration.Action]) -> Job? {
        var job: Job?
        for action in actions {
            guard !closed else { return nil }
            switch action {
            case .reply(let code, let parameters): numeric(code, parameters)
            case .challenge: send(IRCMessage(command: "AUTHENTICATE", parameters: ["+"]))
            case .authenticate(let credentials): job = .authenticate(credentials)
            case .capabilitiesChanged(let capabilities): mind?.update(nick: nick, capabilities: capabilities)
            case .register: job = .register
            case .close(let text): close(text)
            }
        }
        return closed ? nil : job
    }

    // MARK: Timers

    /// Called by the loop's sweeper: registration timeout, PING after silence, ping timeout.
    func tick(now: NIODeadline) {
        guard !closed else { return }
        let settings = shared.settings
        guard isRegistered else {
            if now - openedAt > .fractionalSeconds(settings.registrationTimeout) { close("Registration timeout") }
            return
        }
        if let pingSentAt {
            if now - pingSentAt > .fractionalSeconds(settings.pingTimeout) {
                close("Ping timeout: \(Int(settings.pingTimeout.rounded(.up))) seconds")
            }
        } else if now - lastActivity > .fractionalSeconds(settings.pingInterval) {
            pingSentAt = now
            send(IRCMessage(command: "PING", parameters: [serverName]))
        }
    }

    // MARK: Start and end

    /// The TCP connection is up: count it, or refuse it beyond `max-connections`.
    func activated() {
        if shared.shuttingDown.load(ordering: .sequentiallyConsistent) {
            close("Server shutting down")
            return
        }
        guard shared.connections.track(self, limit: shared.settings.maxConnections) else {
            log(.warning, "connection refused: max-connections reached")
            closed = true
            send(IRCMessage(command: "ERROR", parameters: ["Too many connections"]))
            channel.close(promise: nil)
            return
        }
    }

    /// Records the current nick for WHOWAS (RFC 2812 §3.6.3) as it is given up.
    func rememberNick() {
        guard let registered = mind?.registered else { return }
        let (user, host) = Self.userAndHost(of: registered.hostmask)
        shared.history.record(
            IRCNickHistory.Entry(
                nick: nick, user: user, host: host, realname: registered.realname, account: registered.account,
                at: Date()))
    }

    /// The TCP connection is gone: free the nick, end the session and the login.
    func disconnected() {
        closed = true
        inbox.removeAll()
        shared.connections.forget(self)
        rememberNick()
        let modes = mind?.registered?.modes ?? []
        mind = nil  // the mind holds this connection: end the cycle
        if registration.nick != nil { shared.nicks.release(nick, for: self) }
        if isRegistered {
            shared.registeredCount.wrappingSubtract(1, ordering: .relaxed)
            countModes(from: modes, to: [])
        }
        let session = self.session
        let login = self.login
        self.session = nil
        self.login = nil
        guard session != nil || login != nil else { return }
        let message = closingMessage
        Task {
            await session?.close(message: message)
            await login?.logout()
        }
    }
}

