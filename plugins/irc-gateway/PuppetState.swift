import DequeModule
import Foundation
import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ParleyXML
import ParleyXMPP

/// What `PuppetState` asks its shell (`IRCPuppet`) to do.
enum PuppetAction: Sendable {
    /// Write these lines to the network (through the client's rate limiter).
    case send([IRCMessage])
    /// Send this to the XMPP side.
    case post(ComponentTraffic)
    /// Make and start an IRC client with this configuration.
    case connect(IRCClientConfiguration)
    /// Stop the current client quietly (a failed endpoint).
    case disconnectClient
    /// Join (with its key) or part a channel through the client.
    case join(String, key: String?)
    case part(String)
    /// Call `leaveIfIdle(key, generation)` after this many seconds.
    case scheduleLeave(key: String, generation: Int, after: Int)
    /// Call `historyTimedOut(key, query)` after this many seconds: a CHATHISTORY request
    /// with no reply by then is given up, and the entry goes on without it.
    case scheduleHistoryTimeout(key: String, query: Int, after: Int)
    case log(String, [String: String])
    /// Stop the client (QUIT with this message) and forget the puppet.
    case finish(quitMessage: String?)
}

/// The protocol logic of one XMPP user's connection to one IRC network (biboumi's model:
/// one IRC client per user and network, shared by the user's resources): the channels the
/// user is in through it, which resources are in each, what each resource has been told.
/// A value: XMPP requests (`GatewayRequest`) and the IRC client's events go in, actions
/// come out (`PuppetAction`); `IRCPuppet` performs them. No I/O here.
struct PuppetState {
    let user: UserID
    let network: String
    let context: GatewayContext
    /// Our nick on the network (the client's, once registered).
    private(set) var nick: String
    /// Whether the network echoes our own messages (IRCv3 echo-message): then the room's
    /// reflection of a message is that echo, once, with the network's id.
    private var echoes = false
    /// Whether the network takes client tags (IRCv3 message-tags): replies, reactions.
    private var tagsAllowed = false
    /// The network's IRCv3 `draft/multiline` limits, when it takes batches of lines.
    private var multiline: IRCMultiline.Limits?
    /// The network's IRCv3 `CHATHISTORY` limit (0: none), when it offers history.
    private var historyLimit: Int?
    /// The resource that sent the last raw command, and until when the network's
    /// unhandled replies go to it.
    private var rawReplies: (SessionID, Date)?
    /// Whether the network offers IRCv3 chathistory (so MAM queries can be answered).
    var offersHistory: Bool { historyLimit != nil }
    /// Numbers this puppet's batches and history requests.
    private var sequence = 0
    private(set) var finished = false
    /// Whether a client is running (asked for with `.connect`, not stopped since).
    private var connected = false
    /// The presence of each resource in a room here, and the AWAY text we set (nil: back).
    private var resourcePresence: [SessionID: Presence] = [:]
    private var awayStatus: String?
    private let messages = GatewayMessages()
    /// What the user configured for this network, and where it can be reached, in order
    /// (TLS ports first); until the first registration a failed endpoint moves to the next.
    private let settings: NetworkSettings
    private let endpoints: [GatewaySettings.Endpoint]
    private var endpointIndex = 0
    private var registeredOnce = false
    /// Whether the user wants to stay in a channel (by name) when every resource left it.
    private let isPersistent: @Sendable (String) -> Bool
    private let now: @Sendable () -> Date
    /// The actions of the step being taken.
    private var actions: [PuppetAction] = []

    /// A channel as the user is in it.
    struct Channel {
        /// The channel's gateway address (its name as the first resource wrote it).
        let address: GatewayAddress
        /// The room's model user (`#chan%network@irc.<domain>`), made once.
        let room: UserID
        let name: String
        /// The channel key the first resource gave (§7.2.6 password), for rejoins.
        var key: String?
        /// The resources in the room, with the nick each asked for.
        var sessions: [SessionID: String] = [:]
        /// Resources whose entry (occupants, self-presence, subject) is not sent yet.
        var waiting: Set<SessionID> = []
        /// NAMES has ended since our JOIN: the member list is whole.
        var complete = false
        var topic = ""
        var topicSetter: String?
        /// The members, by folded nick, ourselves included.
        var members: [String: IRCChannelMember] = [:]
        /// Our messages sent and not yet echoed (echo-message), oldest first.
        var pendingEchoes: [PendingEcho] = []
        /// The newest messages of the channel (at most `historyLength`), for the history a
        /// resource gets on entering (§7.2.14), also while nobody was in (bouncer mode).
        var history: Deque<Message> = []
        /// How many history messages each waiting resource asked for (§7.2.14 maxstanzas).
        var historyWanted: [SessionID: Int] = [:]
        /// The CHATHISTORY request in flight (its number): the waiting resources' entry
        /// waits for its reply.
        var historyQuery: Int?
        /// What was seen live while it was in flight (`GatewayHistory.merged`).
        var liveDuringQuery: [GatewayHistory.Entry] = []
        /// The archive query the request in flight answers (nil: it is the entry's), and
        /// the ones waiting behind it: replies are told apart by order alone.
        var archiveInFlight: GatewayArchive.Ask?
        var archiveQueue: [GatewayArchive.Ask] = []
        /// Bumped whenever the channel is left empty or entered again, so that a delayed
        /// PART only happens if nobody came back in between.
        var idleGeneration = 0

        /// The occupant `nick` of the room, as a session of the room's user.
        func occupant(_ nick: String) -> SessionID { SessionID(user: room, resource: nick) }

        /// Adds `message` to the history, dropping the oldest beyond `limit`.
        mutating func keep(_ message: Message, limit: Int) {
            history.append(message)
            if history.count > limit { history.removeFirst(history.count - limit) }
        }
    }

    /// One of our messages waiting for the network's echo: the echo of its first line
    /// becomes the room's one reflection, with the sender's id and the network's msgid.
    struct PendingEcho {
        let message: Message
        var linesLeft: Int
        var reflected = false
    }
    private(set) var channels: [String: Channel] = [:]

    init(
        user: UserID, network: String, nick: String, settings: NetworkSettings, context: GatewayContext,
        isPersistent: @escaping @Sendable (String) -> Bool = { _ in false }, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.user = user
        self.network = network
        self.nick = nick
        self.settings = settings
        self.context = context
        self.endpoints = context.settings.endpoints(settings)
        self.isPersistent = isPersistent
        self.now = now
    }

    private mutating func emit(_ action: PuppetAction) { actions.append(action) }

    /// The actions collected since the last call.
    private mutating func take() -> [PuppetAction] {
        defer { actions = [] }
        return actions
    }

    /// Our messages waiting for their echo, per channel, at most.
    static let maximumPendingEchoes = 64

    private static func key(_ name: String) -> String { IRCCaseMapping.rfc1459.fold(name) }

    // MARK: From XMPP

    /// Handles one request of the user's; in order, one at a time. After the puppet
    /// finished (its last channel left), the service makes a new one for new requests.
    mutating func handle(_ request: GatewayRequest) -> [PuppetAction] {
        guard !finished else { return [] }
        handleRequest(request)
        return take()
    }

    private mutating func handleRequest(_ request: GatewayRequest) {
        switch request {
        case .enter(let session, let channel, let name, let nick, let password, let presence, let history):
            enter(session, channel: channel, name: name, nick: nick, password: password, history: history)
            presenceChanged(presence, of: session)
        case .exit(let session, let name):
            exit(session, name: name)
        case .say(let session, let name, let message):
            say(message, in: name, from: session)
        case .tell(let nick, let message):
            do {
                emit(.send(try outboundLines(for: message, to: nick).lines))
            } catch {
                refuse(message, error.text)
            }
        case .setSubject(let name, let subject):
            emit(.send([IRCMessage(command: "TOPIC", parameters: [name, subject])]))
        case .kick(let name, let nick, let reason):
            emit(.send([IRCMessage(command: "KICK", parameters: reason.map { [name, nick, $0] } ?? [name, nick])]))
        case .ban(let name, let nick, let reason):
            emit(.send([
                IRCMessage(command: "MODE", parameters: [name, "+b", "\(nick)!*@*"]),
                IRCMessage(command: "KICK", parameters: reason.map { [name, nick, $0] } ?? [name, nick]),
            ]))
        case .archiveQuery(let session, let name, let iq, let queryID, let query):
            askArchive(query, in: name, from: session, iq: iq, queryID: queryID)
        case .raw(let session, let lines):
            // What the network answers (numerics, errors) goes back to the resource for a
            // while; lines the gateway handles itself keep their usual way.
            rawReplies = (session, now().addingTimeInterval(Self.rawReplySeconds))
            emit(.send(lines))
        case .disconnect(let quitMessage):
            finish(quitMessage: quitMessage)
        case .close:
            finish(quitMessage: "Gateway shutting down")
        }
    }

    /// How long the network's unhandled replies go to the resource that sent a raw command.
    static let rawReplySeconds = 10.0

    /// What `get-irc-connection-info` tells the user: connected or not, where, with TLS or
    /// not, the nick, and which resource is in which channel.
    var connectionInfo: String {
        var lines: [String] = []
        if connected, endpointIndex < endpoints.count {
            let endpoint = endpoints[endpointIndex]
            lines.append("Connected to \(network) on port \(endpoint.port)\(endpoint.tls ? " with TLS" : " without TLS") as \(nick).")
        } else {
            lines.append("Not connected to \(network).")
        }
        for (_, channel) in channels.sorted(by: { $0.value.name < $1.value.name }) {
            let resources = channel.sessions.keys.map(\.resource).sorted()
            lines.append(
                resources.isEmpty
                    ? "\(channel.name): no resource in it (kept joined)"
                    : "\(channel.name): \(resources.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }

    /// A line the gateway does not handle, while a raw command's replies are awaited: to
    /// that resource, from the network's JID, as its parameters (a numeric's first one,
    /// our nick, left out).
    private mutating func forwardRawReply(_ line: IRCMessage) {
        guard let (session, until) = rawReplies, now() < until else { return }
        let numeric = line.command.allSatisfy(\.isNumber)
        var words = line.parameters
        if numeric, let first = words.first, IRCCaseMapping.rfc1459.equals(first, nick) { words.removeFirst() }
        if !numeric { words.insert(line.command, at: 0) }
        let text = words.joined(separator: " ")
        emit(.post(.message(Message(
            kind: .chat, from: .user(context.user(.network(network))), to: .session(session), body: text))))
    }

    private mutating func enter(
        _ session: SessionID, channel address: GatewayAddress, name: String, nick: String, password: String?, history: Int?
    ) {
        let key = Self.key(name)
        if let present = channels[key], present.sessions[session] != nil {
            // §7.6: presence to a new nick while in the room is a nick change; on IRC a
            // nick is the connection's, so it changes in every channel.
            if !IRCCaseMapping.rfc1459.equals(nick, self.nick) {
                emit(.send([IRCMessage(command: "NICK", parameters: [nick])]))
            }
            return
        }
        if channels[key] == nil, channels.count >= context.settings.maximumChannelsPerNetwork {
            let error = GatewayErrors.presence(
                .resourceConstraint, text: "at most \(context.settings.maximumChannelsPerNetwork) channels on \(network)")
            return emit(.post(.presence(error, from: context.occupant(nick, of: address), to: .session(session))))
        }
        var channel = channels[key] ?? Channel(address: address, room: context.user(address), name: name, key: password)
        let isNew = channels[key] == nil
        channel.sessions[session] = nick
        channel.waiting.insert(session)
        channel.historyWanted[session] = history
        channel.idleGeneration += 1  // back before a delayed PART: it does not happen
        channels[key] = channel
        if !connected { connect(nick: nick) }
        if isNew {
            if connected { emit(.join(name, key: password)) }
        } else if channel.complete {
            sendEntry(of: key)
        }
    }

    /// RFC 2812 §4.1 AWAY follows the user's resources in rooms: away (with the status of
    /// the first away one) when none is available, back as soon as one is.
    private mutating func presenceChanged(_ presence: Presence, of session: SessionID) {
        guard connected else { return }
        let inRoom = channels.values.contains { $0.sessions[session] != nil }
        resourcePresence[session] = inRoom ? presence : nil
        let available = resourcePresence.values.contains { $0.availability == .available || $0.availability == .chat }
        let status = available ? nil : resourcePresence.values.lazy.compactMap(\.status).first ?? "Away"
        guard status != awayStatus else { return }
        awayStatus = status
        emit(.send([IRCMessage(command: "AWAY", parameters: status.map { [$0] } ?? [])]))
    }

    private mutating func exit(_ session: SessionID, name: String) {
        let key = Self.key(name)
        guard var channel = channels[key], let asked = channel.sessions.removeValue(forKey: session) else { return }
        if !channels.values.contains(where: { $0.sessions[session] != nil && $0.name != channel.name }) {
            resourcePresence[session] = nil
        }
        channel.waiting.remove(session)
        // §7.14: the leaver's own unavailable presence, with 110.
        post(GatewayMUCRendering.departure(prefixes: channel.members[Self.key(nick)]?.prefixes ?? "", codes: [110]),
             from: channel.occupant(channel.complete ? nick : asked), to: session)
        guard channel.sessions.isEmpty else {
            channels[key] = channel
            return
        }
        // Every resource has left: a persistent channel stays joined (bouncer mode); any
        // other is left after the idle time, unless someone comes back first.
        channel.idleGeneration += 1
        channels[key] = channel
        if isPersistent(channel.name) { return }
        let idle = context.settings.idleTimeout
        guard idle > 0 else { return leaveIfIdleNow(key, generation: channel.idleGeneration) }
        emit(.scheduleLeave(key: key, generation: channel.idleGeneration, after: idle))
    }

    /// PARTs the channel `key` if no resource entered since it was left empty, and QUITs
    /// once no channel is left (the end of `.scheduleLeave`).
    mutating func leaveIfIdle(_ key: String, generation: Int) -> [PuppetAction] {
        leaveIfIdleNow(key, generation: generation)
        return take()
    }

    private mutating func leaveIfIdleNow(_ key: String, generation: Int) {
        guard let channel = channels[key], channel.sessions.isEmpty, channel.idleGeneration == generation, !finished else {
            return
        }
        channels[key] = nil
        emit(.part(channel.name))
        if channels.isEmpty { finish(quitMessage: nil) }
    }

    private mutating func say(_ message: Message, in name: String, from session: SessionID) {
        let key = Self.key(name)
        guard let channel = channels[key], channel.sessions[session] != nil else { return }
        let outbound: (lines: [IRCMessage], echoes: Int)
        do {
            outbound = try outboundLines(for: message, to: name)
        } catch {
            return refuse(message, error.text)
        }
        let lines = outbound.lines
        guard !lines.isEmpty else { return }
        if echoes {
            // The room's reflection (§7.4) waits for the network's echo: once, with its msgid.
            channels[key]?.pendingEchoes.append(PendingEcho(message: message, linesLeft: outbound.echoes))
            // A network that stops echoing must not make the queue grow without end.
            if let count = channels[key]?.pendingEchoes.count, count > Self.maximumPendingEchoes {
                channels[key]?.pendingEchoes.removeFirst(count - Self.maximumPendingEchoes)
            }
        } else {
            // Without echo-message the gateway reflects it, once per resource, with the
            // sender's id so that its client recognises its own message.
            if message.body != nil { remember(message, from: nick, in: key) }
            for resource in channel.sessions.keys {
                postGroupchat(message, from: nick, in: channel, to: resource)
            }
        }
        emit(.send(lines))
    }

    /// The lines that carry `message` to `target`, and how many echoes of them come back:
    /// one IRCv3 `draft/multiline` batch (echoed as one message) when the network takes it
    /// and the message needs more than one line, else one line per piece.
    private mutating func outboundLines(for message: Message, to target: String) throws(GatewayMessages.Refusal)
        -> (lines: [IRCMessage], echoes: Int)
    {
        if let multiline {
            sequence += 1
            if let batch = messages.batch(
                for: message, to: target, from: nick, tags: tagsAllowed, limits: multiline, reference: "parley\(sequence)")
            {
                return (batch, 1)
            }
        }
        let lines = try messages.lines(for: message, to: target, from: nick, tags: tagsAllowed)
        return (lines, lines.count)
    }

    /// Whether `session` is in the channel `name` (XEP-0410 self-pings).
    func isIn(_ name: String, session: SessionID) -> Bool {
        channels[Self.key(name)]?.sessions[session] != nil
    }

    // MARK: The IRC connection

    private mutating func connect(nick: String) {
        self.nick = nick
        guard endpointIndex < endpoints.count else {
            refuseWaiting(condition: .remoteServerNotFound, text: "no port to reach \(network): configure ports or tls_ports")
            return finish(quitMessage: nil)
        }
        connected = true
        emit(.connect(context.settings.clientConfiguration(
            network: network, endpoint: endpoints[endpointIndex], nick: nick, user: user, settings: settings)))
    }

    /// The shell could not make a client (its TLS settings did not load).
    mutating func connectFailed(_ error: String) -> [PuppetAction] {
        connected = false
        emit(.log("IRC client could not be set up", ["network": network, "error": error]))
        refuseWaiting(condition: .internalServerError, text: "The connection to \(network) could not be set up")
        return take()
    }

    private mutating func finish(quitMessage: String?) {
        guard !finished else { return }
        finished = true
        connected = false
        for (_, channel) in channels {
            for session in channel.sessions.keys {
                post(GatewayMUCRendering.departure(prefixes: "", codes: [110, 332]),
                     from: channel.occupant(nick), to: session)
            }
        }
        channels = [:]
        emit(.finish(quitMessage: quitMessage))
    }

    // MARK: From IRC

    mutating func receive(_ event: IRCClientEvent) -> [PuppetAction] {
        guard !finished else { return [] }
        receiveEvent(event)
        return take()
    }

    private mutating func receiveEvent(_ event: IRCClientEvent) {
        switch event {
        case .registered(let registeredNick):
            nick = registeredNick
            registeredOnce = true
        case .capabilitiesEnabled(let capabilities):
            echoes = capabilities.contains("echo-message")
            tagsAllowed = capabilities.contains("message-tags")
            multiline = nil
            historyLimit = nil
        case .multilineEnabled(let limits):
            multiline = limits
        case .historyAvailable(let limit):
            historyLimit = limit
        case .history(let target, let lines):
            receiveHistory(lines, for: target)
        case .batchLimited(let type, let reason):
            emit(.log("IRC batch cut short", ["network": network, "type": type, "reason": reason]))
        case .nickChanged(_, let new):
            nick = new
        case .memberChanged(let name, let change):
            memberChanged(change, in: Self.key(name))
        case .message(let line):
            receiveMessage(line)
        case .kicked(let name, let by, let reason):
            guard let channel = channels.removeValue(forKey: Self.key(name)) else { return }
            for session in channel.sessions.keys {
                post(GatewayMUCRendering.departure(prefixes: "", codes: [110, 307], status: reason.map { "\(by): \($0)" } ?? by),
                     from: channel.occupant(nick), to: session)
            }
            if channels.isEmpty { finish(quitMessage: nil) }
        case .other(let line):
            receiveOther(line)
        case .registrationFailed(let reason), .serverError(let reason):
            refuseWaiting(condition: .remoteServerNotFound, text: reason)
        case .disconnected(let reason) where !registeredOnce:
            // Never got in: the next endpoint (a TLS port, then the plain ones), else the
            // resources waiting to enter hear that the network cannot be reached.
            nextEndpoint(after: reason)
        case .disconnected(let reason):
            // The network is gone for now: every room says so (332), and the rejoin after
            // the client reconnects sends each resource its entry again.
            for (key, channel) in channels {
                for session in channel.sessions.keys where !channel.waiting.contains(session) {
                    post(GatewayMUCRendering.departure(prefixes: "", codes: [110, 332], status: reason),
                         from: channel.occupant(nick), to: session)
                }
                channels[key]?.complete = false
                channels[key]?.waiting = Set(channel.sessions.keys)
                channels[key]?.historyQuery = nil
                channels[key]?.liveDuringQuery = []
                // They saw the history already: the entry after the rejoin brings none.
                for session in channel.sessions.keys { channels[key]?.historyWanted[session] = 0 }
            }
        default:
            break
        }
    }

    private mutating func nextEndpoint(after reason: String) {
        connected = false
        emit(.disconnectClient)
        endpointIndex += 1
        guard endpointIndex < endpoints.count else {
            refuseWaiting(condition: .remoteServerNotFound, text: "cannot reach \(network): \(reason)")
            return finish(quitMessage: nil)
        }
        emit(.log(
            "IRC connection failed; trying the next port",
            ["network": network, "port": "\(endpoints[endpointIndex].port)", "reason": reason]))
        connect(nick: nick)
        for channel in channels.values { emit(.join(channel.name, key: channel.key)) }
    }

    private mutating func memberChanged(_ change: IRCMemberChange, in key: String) {
        guard var channel = channels[key] else { return }
        var told: [(Presence, String)] = []
        func toAll(_ presence: Presence, from nick: String) { told.append((presence, nick)) }
        defer {
            for (presence, from) in told {
                for session in channel.sessions.keys where !channel.waiting.contains(session) {
                    post(presence, from: channel.occupant(from), to: session)
                }
            }
        }
        let current = nick
        let mine = { (other: String) in IRCCaseMapping.rfc1459.equals(other, current) }
        switch change {
        case .listed(let members):
            channel.complete = true
            channel.members = Dictionary(members.map { (Self.key($0.nick), $0) }, uniquingKeysWith: { a, _ in a })
            channels[key] = channel
            askHistory(for: key)
            sendEntry(of: key)
            channel = channels[key] ?? channel
            return
        case .joined(let member):
            channel.members[Self.key(member.nick)] = member
            toAll(GatewayMUCRendering.presence(of: member), from: member.nick)
        case .parted(let who, let reason), .quit(let who, let reason):
            let prefixes = channel.members.removeValue(forKey: Self.key(who))?.prefixes ?? ""
            toAll(GatewayMUCRendering.departure(prefixes: prefixes, codes: [], status: reason), from: who)
        case .kicked(let who, let by, let reason):
            let prefixes = channel.members.removeValue(forKey: Self.key(who))?.prefixes ?? ""
            toAll(GatewayMUCRendering.departure(prefixes: prefixes, codes: [307], status: reason.map { "\(by): \($0)" } ?? by), from: who)
        case .renamed(let old, let member):
            // §7.6: unavailable with 303 and the new nick, then the new nick's presence.
            let prefixes = channel.members.removeValue(forKey: Self.key(old))?.prefixes ?? member.prefixes
            channel.members[Self.key(member.nick)] = member
            let own = mine(member.nick)
            toAll(GatewayMUCRendering.departure(prefixes: prefixes, codes: own ? [303, 110] : [303], newNick: member.nick), from: old)
            toAll(GatewayMUCRendering.presence(of: member, codes: own ? [110] : []), from: member.nick)
        case .prefixesChanged(let member):
            channel.members[Self.key(member.nick)] = member
            toAll(GatewayMUCRendering.presence(of: member, codes: mine(member.nick) ? [110] : []), from: member.nick)
        }
        channels[key] = channel
    }

    /// §7.2.3–§7.2.15: the occupants, then one's own presence with 110 (and 210 when the
    /// network gave another nick than the one asked for), then the subject, to every
    /// resource still waiting for it.
    private mutating func sendEntry(of key: String) {
        guard var channel = channels[key], channel.complete, channel.historyQuery == nil else { return }
        let members = channel.members.values.sorted { $0.nick < $1.nick }
        let waiting = channel.waiting
        channel.waiting = []
        channels[key] = channel
        let own = members.first { IRCCaseMapping.rfc1459.equals($0.nick, nick) } ?? IRCChannelMember(nick: nick)
        for session in waiting {
            for member in members where !IRCCaseMapping.rfc1459.equals(member.nick, nick) {
                post(GatewayMUCRendering.presence(of: member), from: channel.occupant(member.nick), to: session)
            }
            let asked = channel.sessions[session] ?? nick
            let codes = asked == nick ? [110] : [110, 210]
            post(GatewayMUCRendering.presence(of: own, codes: codes), from: channel.occupant(nick), to: session)
            // §7.2.14: the discussion history (what the gateway saw), with XEP-0203 delays.
            let wanted = channel.historyWanted.removeValue(forKey: session).flatMap { $0 } ?? channel.history.count
            for old in channel.history.suffix(max(0, wanted)) {
                var copy = old
                copy.to = .session(session)
                if let stamp = old.timestamp { copy.payloads.append(ExtensionPayload(meaning: .timestamp(stamp))) }
                emit(.post(.message(copy)))
            }
            postSubject(channel.topic, setter: channel.topicSetter, in: channel, to: session)
        }
        channels[key]?.historyWanted = channel.historyWanted
    }

    /// Keeps `message`, as occupant `nick` said it now, in the channel's history (and,
    /// while a history request is in flight, with its `msgid` for `GatewayHistory.merged`).
    private mutating func remember(_ message: Message, from nick: String, in key: String, msgid: String? = nil) {
        let limit = context.settings.historyLength
        // Only the room is copied out: a copy of the whole channel would share its history
        // and make the append below copy the whole array (once per relayed line).
        guard limit > 0, let room = channels[key]?.room else { return }
        var kept = message
        kept.kind = .room
        kept.from = .session(SessionID(user: room, resource: nick))
        kept.timestamp = now()
        channels[key]?.keep(kept, limit: limit)
        guard channels[key]?.historyQuery != nil else { return }
        channels[key]?.liveDuringQuery.append(GatewayHistory.Entry(msgid: msgid, message: kept))
        if let count = channels[key]?.liveDuringQuery.count, count > limit { channels[key]?.liveDuringQuery.removeFirst() }
    }

    private mutating func receiveMessage(_ line: IRCMessage) {
        let hasText = line.command == "PRIVMSG" || line.command == "NOTICE"
        guard hasText && line.parameters.count >= 2 || line.command == "TAGMSG" && !line.parameters.isEmpty else { return }
        let target = line.parameters[0]
        let source = IRCUserHost(parsing: line.source ?? "")
        let (body, payloads, msgid) = messages.inbound(line)
        if let first = target.first, GatewayAddress.channelPrefixes.contains(first) {
            let key = Self.key(target)
            guard let room = channels[key]?.room else { return }
            if echoes, IRCCaseMapping.rfc1459.equals(source.nick, nick), channels[key]?.pendingEchoes.isEmpty == false {
                receiveEcho(in: key, msgid: msgid, room: room.description)
                return
            }
            var message = Message(id: msgid, kind: .room, from: .user(room), to: .user(user), body: body, payloads: payloads)
            if let msgid { message.payloads.append(GatewayMessages.stanzaID(msgid, by: room.description)) }
            relay(message, from: source.nick, in: key, msgid: msgid)
            return
        }
        // A private message (or notice) to us: from `nick%network`, or from the network
        // itself when a server sent it.
        let fromServer = source.user == nil && source.host == nil
        let from: GatewayAddress = fromServer ? .network(network) : .person(network: network, nick: source.nick)
        let message = Message(
            id: msgid, kind: line.command == "NOTICE" ? .normal : .chat, from: .user(context.user(from)), to: .user(user),
            body: body, payloads: payloads)
        emit(.post(.message(message)))
    }

    private mutating func receiveOther(_ line: IRCMessage) {
        let parameters = line.parameters
        switch line.command {
        case IRCNumeric.topic where parameters.count >= 3:
            // RFC 2812 §5.1 332 (on JOIN): kept for the entry.
            channels[Self.key(parameters[1])]?.topic = parameters[2]
        case IRCNumeric.topicWhoTime where parameters.count >= 3:
            channels[Self.key(parameters[1])]?.topicSetter = IRCUserHost(parsing: parameters[2]).nick
        case "TOPIC" where parameters.count >= 2:
            let key = Self.key(parameters[0])
            guard var channel = channels[key] else { return }
            let setter = IRCUserHost(parsing: line.source ?? "").nick
            channel.topic = parameters[1]
            channel.topicSetter = setter
            channels[key] = channel
            for session in channel.sessions.keys where !channel.waiting.contains(session) {
                postSubject(parameters[1], setter: setter, in: channel, to: session)
            }
        case "AWAY":
            // IRCv3 away-notify: away with a text, back without one; shown as presence.
            let who = IRCUserHost(parsing: line.source ?? "").nick
            let away = parameters.first.flatMap { $0.isEmpty ? nil : $0 }
            for (key, channel) in channels {
                guard let prefixes = channel.members[Self.key(who)]?.prefixes else { continue }
                let presence = GatewayMUCRendering.presence(of: IRCChannelMember(nick: who, prefixes: prefixes), away: away)
                for session in channel.sessions.keys where !channel.waiting.contains(session) {
                    post(presence, from: channels[key]!.occupant(who), to: session)
                }
            }
        case "FAIL" where parameters.first == IRCChatHistory.command:
            // chathistory "Errors and Warnings": INVALID_TARGET, MESSAGE_ERROR and
            // INVALID_MSGREFTYPE name the target; any other refusal ends every request.
            emit(.log("CHATHISTORY refused", ["network": network, "reply": parameters.joined(separator: " ")]))
            let named = ["INVALID_TARGET", "MESSAGE_ERROR", "INVALID_MSGREFTYPE"].contains(parameters.dropFirst().first ?? "")
            endHistoryQueries(target: named && parameters.count > 3 ? parameters[3] : nil, text: parameters.last ?? "")
        case IRCNumeric.unknownCommand where parameters.count >= 2 && parameters[1].uppercased() == IRCChatHistory.command:
            endHistoryQueries(target: nil, text: parameters.last ?? "")
        case "FAIL" where parameters.first == "BATCH":
            // multiline "Errors": the network refused a batch of ours (MULTILINE_MAX_BYTES…).
            emit(.log("multiline batch refused", ["network": network, "reply": parameters.joined(separator: " ")]))
        case IRCNumeric.bannedFromChannel, IRCNumeric.badChannelKey, IRCNumeric.channelIsFull,
            IRCNumeric.inviteOnlyChannel, IRCNumeric.noSuchChannel:
            guard parameters.count >= 2 else { return }
            refuseEntry(to: Self.key(parameters[1]), numeric: line.command, text: parameters.last ?? "")
        default:
            forwardRawReply(line)
        }
    }

    // MARK: History from the network (IRCv3 chathistory)

    /// On entering (NAMES ended), asks the network for the channel's newest messages when
    /// it offers history and a waiting resource wants some (chathistory "LATEST": "useful
    /// for retrieving the latest conversation when first joining a channel"); the entry
    /// waits for the reply, or `GatewayHistory.timeout`. One request per channel at a time.
    private mutating func askHistory(for key: String) {
        guard let networkLimit = historyLimit, var channel = channels[key], channel.historyQuery == nil,
            !channel.waiting.isEmpty
        else { return }
        let count = GatewayHistory.count(
            wanted: channel.waiting.map { channel.historyWanted[$0] },
            historyLength: context.settings.historyLength, networkLimit: networkLimit)
        guard count > 0 else { return }
        sequence += 1
        channel.historyQuery = sequence
        channel.liveDuringQuery = []
        channels[key] = channel
        emit(.send([IRCChatHistory.request(.latest, target: channel.name, .unbounded, limit: count)]))
        emit(.scheduleHistoryTimeout(key: key, query: sequence, after: GatewayHistory.timeout))
    }

    /// The reply: the room's history becomes the network's (`GatewayHistory.merged`) and
    /// the waiting resources get their entry, the history with its server-time delays.
    private mutating func receiveHistory(_ lines: [IRCMessage], for target: String) {
        let key = Self.key(target)
        guard let channel = channels[key], channel.historyQuery != nil else { return }
        let network = GatewayHistory.entries(of: lines, room: channel.address, context: context, messages: messages, now: now())
        if let ask = channel.archiveInFlight {
            let room = context.user(channel.address)
            let selected = GatewayArchive.selected(network, for: ask)
            for result in GatewayArchive.results(selected, for: ask, room: room) { emit(.post(.message(result))) }
            answer(ask.iq, to: ask.session, from: channel.address, GatewayArchive.fin(selected, for: ask, returned: network.count))
            return endHistoryQuery(key)
        }
        let history = GatewayHistory.merged(network: network, live: channel.liveDuringQuery, limit: context.settings.historyLength)
        channels[key]?.history = Deque(history)
        endHistoryQuery(key)
    }

    /// Gives up history request `query` (the end of `.scheduleHistoryTimeout`): the entry
    /// goes on with the gateway's own history.
    mutating func historyTimedOut(_ key: String, query: Int) -> [PuppetAction] {
        guard !finished, let channel = channels[key], channel.historyQuery == query else { return [] }
        emit(.log("no CHATHISTORY reply in time", ["network": network, "channel": channel.name]))
        endHistoryQuery(key, error: StanzaError(.remoteServerTimeout, text: "\(network) did not answer in time"))
        return take()
    }

    /// Ends the requests in flight for `target` (nil: every channel's), refused by the
    /// network with `text`.
    private mutating func endHistoryQueries(target: String?, text: String) {
        for key in Array(channels.keys) where channels[key]?.historyQuery != nil && (target.map(Self.key) ?? key) == key {
            endHistoryQuery(key, error: StanzaError(.serviceUnavailable, text: text))
        }
    }

    /// The request in flight is over: an archive query it answered gets `error` when it
    /// failed; the entry waiting for it goes on, and the next archive query is sent.
    private mutating func endHistoryQuery(_ key: String, error: StanzaError? = nil) {
        if let channel = channels[key], let ask = channel.archiveInFlight, let error {
            answer(ask.iq, to: ask.session, from: channel.address, error: error)
        }
        channels[key]?.historyQuery = nil
        channels[key]?.archiveInFlight = nil
        channels[key]?.liveDuringQuery = []
        sendEntry(of: key)
        sendNextArchiveQuery(key)
    }

    /// XEP-0313 §4 on a channel room: with the network's history, a CHATHISTORY request
    /// (`GatewayArchive.ask`), one in flight per channel and at most
    /// `GatewayArchive.maximumQueued` waiting; without it, service-unavailable as before.
    private mutating func askArchive(_ query: ArchiveQuery, in name: String, from session: SessionID, iq: String, queryID: String?) {
        let key = Self.key(name)
        guard let channel = channels[key] else {
            let room = GatewayAddress.channel(network: network, name: name)
            return answer(iq, to: session, from: room, error: StanzaError(.itemNotFound, text: "not in \(name)"))
        }
        let ask: GatewayArchive.Ask
        do throws(StanzaError) {
            guard let networkLimit = historyLimit else {
                throw StanzaError(.serviceUnavailable, text: "\(network) keeps no history (IRCv3 chathistory)")
            }
            guard channel.archiveQueue.count < GatewayArchive.maximumQueued else {
                throw StanzaError(.resourceConstraint, text: "too many archive queries on \(name) at once")
            }
            ask = try GatewayArchive.ask(
                query, target: channel.name, session: session, iq: iq, queryID: queryID, networkLimit: networkLimit)
        } catch {
            return answer(iq, to: session, from: channel.address, error: error)
        }
        channels[key]?.archiveQueue.append(ask)
        sendNextArchiveQuery(key)
    }

    private mutating func sendNextArchiveQuery(_ key: String) {
        guard var channel = channels[key], channel.historyQuery == nil, !channel.archiveQueue.isEmpty else { return }
        let ask = channel.archiveQueue.removeFirst()
        sequence += 1
        channel.historyQuery = sequence
        channel.archiveInFlight = ask
        channels[key] = channel
        emit(.send([ask.request]))
        emit(.scheduleHistoryTimeout(key: key, query: sequence, after: GatewayHistory.timeout))
    }

    /// The result of IQ `iq` from `room` (with `payload`, the `<fin/>`), or its error.
    private mutating func answer(
        _ iq: String, to session: SessionID, from room: GatewayAddress, _ payload: XMLElement? = nil, error: StanzaError? = nil
    ) {
        let element = error.map { $0.element(namespace: XMPPNamespace.client) } ?? payload
        emit(.post(.query(Query(
            id: iq, kind: error == nil ? .result : .error, from: .user(context.user(room)), to: session,
            payloads: element.map { [GatewayMUCRendering.payload($0)] } ?? []))))
    }

    // MARK: To XMPP

    private mutating func post(_ presence: Presence, from occupant: SessionID, to session: SessionID) {
        emit(.post(.presence(presence, from: occupant, to: .session(session))))
    }

    /// `message` (its id, body and payloads) as groupchat from occupant `nick`.
    private mutating func postGroupchat(_ message: Message, from nick: String, in channel: Channel, to session: SessionID) {
        var copy = message
        copy.kind = .room
        copy.from = .session(channel.occupant(nick))
        copy.to = .session(session)
        emit(.post(.message(copy)))
    }

    /// The network echoed a line of ours (IRCv3 echo-message): the first line of the oldest
    /// pending message becomes its reflection, with the sender's id and the msgid as
    /// stanza-id; the message's other lines are not shown again.
    private mutating func receiveEcho(in key: String, msgid: String?, room: String) {
        guard var pending = channels[key]?.pendingEchoes.first else { return }
        let first = !pending.reflected
        pending.reflected = true
        pending.linesLeft -= 1
        if pending.linesLeft <= 0 {
            channels[key]?.pendingEchoes.removeFirst()
        } else {
            channels[key]?.pendingEchoes[0] = pending
        }
        guard first else { return }
        var reflection = pending.message
        if let msgid { reflection.payloads.append(GatewayMessages.stanzaID(msgid, by: room)) }
        relay(reflection, from: nick, in: key, msgid: msgid)
    }

    /// Sends `message` from occupant `nick` to every resource in the channel, then keeps it
    /// in the history (with the network's `msgid`).
    private mutating func relay(_ message: Message, from nick: String, in key: String, msgid: String? = nil) {
        do {
            guard let channel = channels[key] else { return }
            for session in channel.sessions.keys where !channel.waiting.contains(session) {
                postGroupchat(message, from: nick, in: channel, to: session)
            }
        }  // the copy of the channel ends here, so that the history is appended in place
        if message.body != nil { remember(message, from: nick, in: key, msgid: msgid) }
    }

    /// §7.2.15: the subject, from the occupant who set it (else the room), empty when none.
    private mutating func postSubject(_ topic: String, setter: String?, in channel: Channel, to session: SessionID) {
        let from: Address = setter.map { .session(channel.occupant($0)) } ?? .user(channel.room)
        emit(.post(.message(Message(kind: .room, from: from, to: .session(session), subject: topic))))
    }

    /// A message that cannot go to IRC, answered with an error from where it was sent to
    /// (RFC 6120 §8.3: not-acceptable, with the reason).
    private mutating func refuse(_ message: Message, _ text: String) {
        let error = StanzaError(.notAcceptable, text: text).element(namespace: XMPPNamespace.client)
        emit(.post(
            .message(
                Message(id: message.id, kind: .error, from: message.to, to: message.from, body: message.body,
                        payloads: [GatewayMUCRendering.payload(error)]))))
    }

    /// An entry the network refused (RFC 2812 §3.2.1 numerics as XEP-0045 §7.2 errors).
    private mutating func refuseEntry(to key: String, numeric: String, text: String) {
        guard let channel = channels.removeValue(forKey: key) else { return }
        let condition: StanzaError.Condition =
            switch numeric {
            case IRCNumeric.bannedFromChannel: .forbidden
            case IRCNumeric.badChannelKey: .notAuthorized
            case IRCNumeric.channelIsFull: .serviceUnavailable
            case IRCNumeric.inviteOnlyChannel: .registrationRequired
            default: .itemNotFound
            }
        for (session, asked) in channel.sessions {
            emit(.post(
                .presence(GatewayErrors.presence(condition, text: text), from: channel.occupant(asked), to: .session(session))))
        }
        if channels.isEmpty { finish(quitMessage: nil) }
    }

    /// Every resource still waiting to enter is refused: the network could not be reached.
    private mutating func refuseWaiting(condition: StanzaError.Condition, text: String) {
        for (key, channel) in channels where !channel.waiting.isEmpty {
            for session in channel.waiting {
                let asked = channel.sessions[session] ?? nick
                emit(.post(
                    .presence(GatewayErrors.presence(condition, text: text), from: channel.occupant(asked), to: .session(session))))
                channels[key]?.sessions[session] = nil
            }
            channels[key]?.waiting = []
            if channels[key]?.sessions.isEmpty == true { channels[key] = nil }
        }
    }
}
