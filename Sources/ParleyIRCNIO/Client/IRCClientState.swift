import ParleyCore
import ParleyIRC

/// The client side of one IRC network as a value-type state machine (SwiftNIO style):
/// the shell reports the connection coming and going and feeds each received message;
/// the state answers with actions (lines to send, events to report, close, reconnect).
/// It keeps what outlives a connection (wanted channels, the backoff) across reconnects.
///
///     var state = IRCClientState(configuration: config)
///     state.connected()          // → CAP LS 302, NICK, USER
///     state.receive(message)     // → PONG, CAP REQ, JOIN, events…
///     state.disconnected(reason: "EOF")  // → .disconnected, .scheduleReconnect(after:)
public struct IRCClientState: Sendable {
    enum Phase: Sendable, Equatable {
        /// No connection.
        case idle
        /// Connected, registration under way (capabilities, SASL, nick).
        case registering
        /// 001 received.
        case registered
        /// `stop()` was called: no reconnect.
        case stopped
    }

    public let configuration: IRCClientConfiguration
    var phase: Phase = .idle
    /// Our nick as the server knows it (or the one we are trying).
    public internal(set) var nick: String
    /// The server's 005 parameters on this connection.
    public internal(set) var isupport = ISupport()
    /// Capabilities the server offered (name → value) in CAP LS / CAP NEW.
    public internal(set) var offeredCapabilities: [String: String] = [:]
    /// Capabilities enabled by CAP ACK.
    public internal(set) var enabledCapabilities: Set<String> = []
    /// The account SASL logged us in as (900), if any.
    public internal(set) var account: String?
    var capabilityPhase: CapabilityPhase = .none
    var nickAttempt = 0
    /// Channels to be in (folded name → (name, key)); rejoined after a reconnect.
    var wanted: [String: (name: String, key: String?)] = [:]
    /// Channels we are in on this connection (folded name → roster).
    var rosters: [String: IRCChannelRoster] = [:]
    /// NAMES replies being collected (folded name → members).
    var pendingNames: [String: [String: IRCChannelMember]] = [:]
    /// The multiline and chathistory batches being collected (IRCClientState+Batches).
    var batches = IRCBatchCollector()
    var backoff: ReconnectBackoff
    /// How the last connection ended: a refusal waits the longest backoff.
    var nextRetry: BackoffRetry = .backoff

    public init(configuration: IRCClientConfiguration) {
        self.configuration = configuration
        self.nick = configuration.nick
        self.backoff = ReconnectBackoff(initial: configuration.reconnectInitial, maximum: configuration.reconnectMaximum)
        for (name, key) in configuration.channels {
            wanted[Self.wantedKey(name)] = (name, key)
        }
    }

    /// True once 001 arrived on this connection.
    public var isRegistered: Bool { phase == .registered }

    /// The case mapping the server announced (rfc1459 until it does).
    public var caseMapping: IRCCaseMapping { isupport.caseMapping }

    /// The channels we are in, as the server spelled them.
    public var joinedChannels: [String] { rosters.values.map(\.name).sorted() }

    /// The channels we want to be in (joined now or after the next registration).
    public var wantedChannels: [String] { wanted.values.map(\.name).sorted() }

    /// The members of `channel` sorted by nick, or nil when we are not in it.
    public func members(of channel: String) -> [IRCChannelMember]? {
        rosters[fold(channel)].map { $0.members.values.sorted { $0.nick < $1.nick } }
    }

    /// One member of `channel`, or nil.
    public func member(_ nick: String, of channel: String) -> IRCChannelMember? {
        rosters[fold(channel)]?.members[fold(nick)]
    }

    func fold(_ name: some StringProtocol) -> String { caseMapping.fold(name) }

    /// Wanted channels outlive the connection (and its CASEMAPPING): they are keyed by the
    /// widest folding, rfc1459.
    static func wantedKey(_ name: some StringProtocol) -> String { IRCCaseMapping.rfc1459.fold(name) }

    // MARK: Connection

    /// The connection is up: start registration (RFC 2812 §3.1; IRCv3 capability
    /// negotiation: `CAP LS 302` first so the server holds registration until `CAP END`).
    public mutating func connected() -> [IRCClientAction] {
        guard phase != .stopped else { return [.close] }
        phase = .registering
        nick = configuration.nick
        nickAttempt = 0
        isupport = ISupport()
        offeredCapabilities = [:]
        enabledCapabilities = []
        account = nil
        rosters = [:]
        pendingNames = [:]
        batches = IRCBatchCollector()
        nextRetry = .backoff
        var actions: [IRCClientAction] = [.event(.connected)]
        if !configuration.capabilities.isEmpty {
            capabilityPhase = .listing
            actions.append(.sendNow(IRCMessage(command: "CAP", parameters: ["LS", "302"])))
        } else {
            capabilityPhase = .none
        }
        if let password = configuration.password {
            actions.append(.sendNow(IRCMessage(command: "PASS", parameters: [password])))
        }
        actions.append(.sendNow(IRCMessage(command: "NICK", parameters: [nick])))
        actions.append(
            .sendNow(IRCMessage(command: "USER", parameters: [configuration.username, "0", "*", configuration.realname])))
        return actions
    }

    /// The connection is gone (or the attempt failed): report it and plan the next attempt.
    /// `jitter` is a random number in 0..<1.
    public mutating func disconnected(reason: String, jitter: Double = Double.random(in: 0..<1)) -> [IRCClientAction] {
        let stopped = phase == .stopped
        if !stopped { phase = .idle }
        rosters = [:]
        pendingNames = [:]
        batches.reset()
        capabilityPhase = .none
        var actions: [IRCClientAction] = [.event(.disconnected(reason: reason))]
        guard !stopped, configuration.reconnects else { return actions }
        let wait = backoff.next(after: nextRetry, unit: jitter)
        actions.append(.event(.reconnecting(after: wait)))
        actions.append(.scheduleReconnect(after: wait))
        return actions
    }

    /// Stop for good: QUIT (when connected) and close; no reconnect.
    public mutating func stop(message: String? = nil) -> [IRCClientAction] {
        let wasConnected = phase == .registering || phase == .registered
        phase = .stopped
        guard wasConnected else { return [.close] }
        return [.sendNow(IRCMessage(command: "QUIT", parameters: message.map { [$0] } ?? [])), .close]
    }

    // MARK: Receiving

    /// Handles one message from the server.
    public mutating func receive(_ message: IRCMessage) -> [IRCClientAction] {
        // IRCv3 batch: multiline and chathistory batches are collected (IRCClientState+Batches).
        let collected = batches.take(message)
        let completed = collected.outputs.map(Self.action)
        if collected.taken { return completed }
        return completed.isEmpty ? receiveLine(message) : completed + receiveLine(message)
    }

    mutating func receiveLine(_ message: IRCMessage) -> [IRCClientAction] {
        switch message.command {
        case "PING":
            // RFC 2812 §3.7.2: answer with the same token.
            return [.sendNow(IRCMessage(command: "PONG", parameters: message.parameters))]
        case "CAP":
            return receiveCapability(message)
        case "AUTHENTICATE":
            return receiveAuthenticate(message)
        case IRCNumeric.loggedIn, IRCNumeric.saslSuccess, IRCNumeric.saslFail, IRCNumeric.saslTooLong,
            IRCNumeric.saslAborted, IRCNumeric.saslAlready, IRCNumeric.saslMechanisms, IRCNumeric.nickLocked:
            return receiveSASLNumeric(message)
        case IRCNumeric.welcome:
            return receiveWelcome(message)
        case IRCNumeric.isupport:
            isupport.apply(message)
            return [.event(.other(message))] + historyAvailability(message)
        case IRCNumeric.nicknameInUse, IRCNumeric.erroneousNickname, IRCNumeric.nickCollision:
            return receiveNickRefusal(message)
        case "ERROR":
            // RFC 2812 §3.7.4: the server is about to close the link; the close that follows
            // takes the normal backoff.
            return [.event(.serverError(message.parameters.last ?? ""))]
        case "PRIVMSG", "NOTICE", "TAGMSG":
            return [.event(.message(message))]
        case "JOIN", "PART", "KICK", "QUIT", "NICK", "MODE", IRCNumeric.namReply, IRCNumeric.endOfNames:
            return receiveMembership(message)
        default:
            return [.event(.other(message))]
        }
    }

    mutating func receiveWelcome(_ message: IRCMessage) -> [IRCClientAction] {
        guard phase == .registering else { return [.event(.other(message))] }
        phase = .registered
        capabilityPhase = .done
        if let name = message.parameters.first, !name.isEmpty { nick = name }
        backoff.reset()
        var actions: [IRCClientAction] = [.event(.registered(nick: nick))]
        // Rejoin (or join) every wanted channel, keyed ones first so a JOIN list stays valid.
        for (_, channel) in wanted.sorted(by: { $0.key < $1.key }) {
            let parameters = channel.key.map { [channel.name, $0] } ?? [channel.name]
            actions.append(.send(IRCMessage(command: "JOIN", parameters: parameters)))
        }
        return actions
    }

    /// 433/432/436 during registration: try the next fallback nick, or give up.
    mutating func receiveNickRefusal(_ message: IRCMessage) -> [IRCClientAction] {
        guard phase == .registering else { return [.event(.other(message))] }
        nickAttempt += 1
        guard nickAttempt <= configuration.nickAttempts else {
            nextRetry = .longest
            let reason = "no acceptable nick after \(configuration.nickAttempts) attempts (\(message.command))"
            return [.event(.registrationFailed(reason: reason)), .close]
        }
        let length = isupport.nickLength ?? configuration.assumedNickLength
        let next = IRCNickFallback.nick(base: configuration.nick, attempt: nickAttempt, maximumLength: length)
        let refused = nick
        nick = next
        return [
            .event(.nickRejected(nick: refused, next: next)), .sendNow(IRCMessage(command: "NICK", parameters: [next])),
        ]
    }

    // MARK: Channels

    /// Join `channel` now if registered, and after every (re)registration.
    public mutating func join(_ channel: String, key: String? = nil) -> [IRCClientAction] {
        wanted[Self.wantedKey(channel)] = (channel, key)
        guard phase == .registered else { return [] }
        return [.send(IRCMessage(command: "JOIN", parameters: key.map { [channel, $0] } ?? [channel]))]
    }

    /// Leave `channel` and stop rejoining it.
    public mutating func part(_ channel: String, reason: String? = nil) -> [IRCClientAction] {
        wanted[Self.wantedKey(channel)] = nil
        guard phase == .registered else { return [] }
        return [.send(IRCMessage(command: "PART", parameters: [channel] + (reason.map { [$0] } ?? [])))]
    }
}
