import Foundation
import NIOCore
import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ParleyServerNIO
import Synchronization

/// The IRC client's side of a model session: renders each `ChatEvent` with
/// `IRCEventRenderer` and writes the lines to the connection's channel. Called on the
/// executor of a room or a user; it never waits. A room event fanned out to many occupants
/// is rendered once per variant (`IRCFanOutBatch`), and its writes are batched per event
/// loop with one flush per channel.
///
/// The mind is its own `IRCWriteFlusher` (one allocation per client instead of two).
final class IRCMind: IRCWriteFlusher, SessionMind, @unchecked Sendable {
    var protocolFamily: ProtocolFamily { .irc }
    let shared: IRCServerShared
    /// Writes fanned-out room lines with coalesced flushes (`deliver(_:fanOut:)`).
    var flusher: IRCWriteFlusher { self }
    /// The connection, held strongly (a weak reference would give every connection a side
    /// table); the connection drops its mind when it disconnects, which ends the cycle.
    private let connection: IRCConnection?

    /// Who this client is once registered, for other connections (found through the nick
    /// table, which keeps only the mind).
    struct Registered: Sendable {
        let session: ChatSession
        var userID: UserID { session.user }
        /// The account name when the client logged in (nil for a guest).
        let account: String?
        /// `nick!user@host` as others see this client: the account's name as user part, or
        /// `~` and the USER username for a guest (`IRCHostmask.unverifiedUserPart`); the host
        /// is the user's domain, or an operator's vhost.
        var hostmask: String
        /// The realname from `USER … :realname` (RFC 2812 §3.1.3) or SETNAME, for WHOIS 311,
        /// WHO 352 and extended-join.
        var realname: String
        var modes: IRCUserModes = [.invisible]
        /// When it registered and when it last sent a message (seconds since 1970), for
        /// WHOIS 317 and WHOX `l`.
        var signedOnAt = UInt32(Date().timeIntervalSince1970)
        var spokeAt = UInt32(Date().timeIntervalSince1970)

        var idleSeconds: Int { max(0, Int(Date().timeIntervalSince1970) - Int(spokeAt)) }
    }

    /// What rendering needs, updated by the connection.
    private struct State {
        /// Set when registration completes.
        var registered: Registered?
        var recipient: IRCRecipient
        /// This session (known from registration on, before any room is entered).
        var session: SessionID? { registered?.session.id }
        /// The last configuration seen per room, to render MODE for a change.
        var configurations: [RoomID: RoomConfiguration] = [:]
        /// The last nick change rendered (folded old, new): one NICK per change, not one per
        /// shared channel.
        var lastNickChange: (old: String, new: String)?
        /// The AWAY message this client set (RPL_AWAY 301 to whoever messages it).
        var awayMessage: String?
        /// The last session whose QUIT was rendered: one QUIT per quitting session, not one
        /// per shared channel (a session id is never reused, unlike a nick).
        var lastQuit: SessionID?
        /// The label and the lines gathered while the connection answers a labeled command
        /// (IRCv3 labeled-response), nil otherwise (one word when idle).
        var captured: LabelCapture?
    }
    private let state: Mutex<State>

    /// Set once the server cut this client off (`sendQueueExceeded`).
    let cutOff = CutOffFlag()

    init(connection: IRCConnection, channel: any Channel, shared: IRCServerShared) {
        self.connection = connection
        self.shared = shared
        self.state = Mutex(State(recipient: IRCRecipient(serverName: shared.serverName, nick: "*")))
        super.init(
            channel: channel, coalescer: shared.connections.coalescer(for: channel.eventLoop),
            sendQueue: shared.settings.sendQueue)
    }

    /// The client does not read: cut it off, as IRC servers do, with its QUIT saying so.
    override func sendQueueExceeded() {
        guard let connection else { return }
        cutOff.set()
        connection.assumeIsolated { $0.sendQueueExceeded() }
    }

    // MARK: Finding another client's mind

    // Another client's mind is its nick table entry's `mind` (set at registration): a
    // command writes lines that are not model events (MODE +b, invite-notify) or reads a
    // peer's AWAY text through it without hopping to that connection's actor.

    /// Called by the connection whenever its nick or capabilities change.
    func update(nick: String, capabilities: IRCCapabilities) {
        state.withLock { state in
            var recipient = IRCRecipient(serverName: state.recipient.serverName, nick: nick)
            recipient.capabilities = capabilities
            state.recipient = recipient
        }
    }

    /// Who this client is, once registered.
    var registered: Registered? {
        get { state.withLock { $0.registered } }
        set { state.withLock { $0.registered = newValue } }
    }

    /// The hostmask after a nick change: the same user and host under the new nick.
    func rename(to nick: String) {
        state.withLock { state in
            guard let old = state.registered?.hostmask, let bang = old.firstIndex(of: "!") else { return }
            state.registered?.hostmask = nick + old[bang...]
        }
    }

    /// Changes what others know of this client (SETNAME, user modes, OPER, a vhost).
    func updateRegistered(_ body: (inout Registered) -> Void) {
        state.withLock { state in
            guard state.registered != nil else { return }
            body(&state.registered!)  // in place: no copy of its strings
        }
    }

    /// The recipient view of this client (nick and negotiated capabilities).
    var recipient: IRCRecipient { state.withLock { $0.recipient } }

    /// The AWAY message of this client, nil when it is not away.
    var awayMessage: String? {
        get { state.withLock { $0.awayMessage } }
        set { state.withLock { $0.awayMessage = newValue } }
    }

    /// The last configuration this client saw of a room it is in.
    func configuration(of room: RoomID) -> RoomConfiguration? {
        state.withLock { $0.configurations[room] }
    }

    struct Unreachable: Error {}

    // MARK: Labeled responses (IRCv3 labeled-response)

    // Only replies are gathered: the connection's own lines and the model events this
    // client's session caused (`isOwn`). Everything else (others' messages, WALLOPS,
    // invite-notify) is written as it comes, outside the response.

    /// The label of a command being answered and its replies so far.
    final class LabelCapture: @unchecked Sendable {
        let label: String
        var lines: [IRCMessage] = []
        init(label: String) { self.label = label }
    }

    /// From now on this client's replies are gathered, not written (`endCapture`).
    func beginCapture(label: String) {
        state.withLock { $0.captured = LabelCapture(label: label) }
    }

    /// Stops gathering and returns the label and what was gathered, in order.
    func endCapture() -> LabelCapture? {
        state.withLock { $0.captured.take() }
    }

    /// Gathers `lines` when a capture is on; false when they must be written.
    func capture(_ lines: [IRCMessage]) -> Bool {
        state.withLock { state in
            guard let captured = state.captured else { return false }
            captured.lines.append(contentsOf: lines)
            return true
        }
    }

    // MARK: Delivery

    func deliver(_ event: ChatEvent) throws {
        guard channel.isActive else {
            if cutOff.isSet { return }
            throw Unreachable()
        }
        let lines = render(event)
        guard !lines.isEmpty else { return }
        if isOwn(event), capture(lines) { return }
        write(lines)
    }

    /// Whether this client's own session caused `event` (a reply to its command).
    private func isOwn(_ event: ChatEvent) -> Bool {
        guard let own = state.withLock({ $0.captured == nil ? nil : $0.session }) else { return false }
        switch event {
        case .room(_, .entered): return true
        case .room(_, .occupantLeft(let occupant, _)): return occupant.sessions.contains(own)
        case .room(_, .occupantChanged(let old, _, let by)): return by?.session == own || old.sessions.contains(own)
        case .room(_, .message(_, let sender)): return sender?.session == own
        case .room(_, .topicChanged(_, let by)), .room(_, .configurationChanged(_, let by)):
            return by?.session == own
        case .room(_, .banListChanged(_, _, let by)): return by?.session == own
        case .message(let message): return message.from == .session(own)
        default: return false
        }
    }

    func deliver(_ event: ChatEvent, fanOut: FanOut) throws {
        // The per-copy path (docs/benchmarks-irc.md): no copy of the message, one lock, one
        // memo look-up, one append to the client's gathered bytes.
        guard case .room(_, .message) = event else { return try deliver(event) }
        guard !isClosed else {
            if cutOff.isSet { return }
            throw Unreachable()
        }
        let batch = fanOut.memo(ObjectIdentifier(IRCFanOutBatch.self)) { makeBatch(for: event, fanOut: fanOut) }
        let (variant, ownLine) = state.withLock { state in
            (state.recipient.messageVariant, batch.senderSession != nil && state.session == batch.senderSession)
        }
        if ownLine {
            // IRCv3 echo-message: a sender without the capability does not get its own line.
            if !state.withLock({ $0.recipient.echoMessage }) { return }
            // The echo answers a labeled command: rendered for this client alone.
            if state.withLock({ $0.captured != nil }), capture(render(event)) { return }
        }
        let buffer = batch.rendered[variant] ?? render(event, variant: variant, into: batch)
        guard buffer.readableBytes > 0 else { return }
        batch.add(buffer, to: self)
    }

    /// The batch shared by every IRC recipient of one fanned-out room message.
    private func makeBatch(for event: ChatEvent, fanOut: FanOut) -> IRCFanOutBatch {
        let batch = IRCFanOutBatch(allocator: channel.allocator)
        if case .room(_, .message(_, let sender?)) = event {
            batch.senderSession = sender.session
        }
        fanOut.atEnd { batch.finish() }
        return batch
    }

    /// Renders a fanned-out room message for one variant, once per fan-out.
    private func render(_ event: ChatEvent, variant: Int, into batch: IRCFanOutBatch) -> ByteBuffer {
        guard case .room(let room, .message(let message, let sender)) = event else { return ByteBuffer() }
        let source = batch.source ?? sender.map(sourceOfActor) ?? sourceOfSender(message.from)
        batch.source = source
        let account = variant & 4 != 0 ? sender.flatMap { shared.naming.account(of: $0.occupant) } : nil
        let lines = IRCEventRenderer.message(
            message, source: source, target: IRCChannelName.channel(for: room),
            messageTags: variant & 1 != 0, serverTime: variant & 2 != 0, account: account, mapping: shared.mapping)
        var made = batch.allocator.buffer(capacity: 128)
        for line in lines { made.writeIRCMessage(line) }
        batch.rendered[variant] = made
        return made
    }

    /// The lines an event becomes for this client (every event but fanned-out messages).
    func render(_ event: ChatEvent) -> [IRCMessage] {
        let recipient = state.withLock { $0.recipient }
        switch event {
        case .room(let room, let roomEvent):
            return render(roomEvent, in: room, for: recipient)
        case .message(let message):
            let source = sourceOfSender(message.from)
            // XEP-0249: a direct invitation is an INVITE from its sender; a fallback body
            // (or a reason in it) still follows as the message.
            let invitations = shared.mapping.commandMeanings(of: message).compactMap { meaning -> IRCMessage? in
                guard case .invitation(let room, _) = meaning else { return nil }
                return IRCEventRenderer.invitation(room: room, inviter: source, invitee: recipient.nick)
            }
            let account: String? =
                if recipient.accountTag, case .session(let session) = message.from {
                    shared.nicks.entry(ofSession: session)?.account
                } else { nil }
            return invitations
                + IRCEventRenderer.message(
                    message, source: source, target: recipient.nick, messageTags: recipient.messageTags,
                    serverTime: recipient.serverTime, account: account, mapping: shared.mapping)
        case .invitation(let room, let from, _):
            return [IRCEventRenderer.invitation(room: room, inviter: sourceOfUser(from), invitee: recipient.nick)]
        case .closed(let reason):
            let text: String =
                switch reason {
                case .replaced: "Session replaced"
                case .shutdown: "Server shutting down"
                case .kicked(let why): why
                }
            closeConnection(text)
            return []
        case .presence, .subscription, .contactUpdated, .contactRemoved, .query, .probe, .copy, .blockListChanged:
            // IRC has no contact lists or presence subscriptions; presence reaches IRC
            // clients only as channel peers (away-notify). IRC sessions never ask for copies.
            return []
        }
    }

    private func render(_ event: RoomEvent, in room: RoomID, for recipient: IRCRecipient) -> [IRCMessage] {
        switch event {
        case .entered(let snapshot):
            state.withLock { state in
                state.configurations[room] = snapshot.configuration
            }
            return IRCEventRenderer.entered(snapshot, for: recipient, naming: shared.naming)
        case .occupantJoined(let joiner):
            return IRCEventRenderer.joined(joiner.occupant, room: room, for: recipient, naming: shared.naming)
        case .occupantLeft(let occupant, let reason):
            let show = state.withLock { state -> Bool in
                let own = state.session.map { occupant.sessions.contains($0) } ?? false
                if own { state.configurations[room] = nil }
                guard case .disconnected = reason else { return true }
                // RFC 2812 §3.1.7: a quitting client ends its own link with ERROR, and each
                // peer sees one QUIT however many channels it shares with the quitter.
                if own { return false }
                guard let gone = occupant.sessions.first else { return true }
                if state.lastQuit == gone { return false }
                state.lastQuit = gone
                return true
            }
            return show
                ? [IRCEventRenderer.left(occupant, reason: reason, room: room, for: recipient, naming: shared.naming)]
                : []
        case .occupantChanged(let old, let new, let by):
            let (moderated, renderNick) = state.withLock { state -> (Bool, Bool) in
                let moderated = state.configurations[room]?.moderated ?? false
                guard old.nick.displayName != new.nick.displayName else { return (moderated, false) }
                // One's own NICK is answered by the NICK command itself.
                if let session = state.session, old.sessions.contains(session) { return (moderated, false) }
                let change = (old.nick.key, new.nick.displayName)
                if let last = state.lastNickChange, last == change { return (moderated, false) }
                state.lastNickChange = change
                return (moderated, true)
            }
            return IRCEventRenderer.changed(
                old: old, new: new, room: room, moderated: moderated, renderNick: renderNick,
                actor: by.map(sourceOfActor), for: recipient, naming: shared.naming)
        case .message(let message, let sender):
            if let sender, sender.session == state.withLock({ $0.session }), !recipient.echoMessage {
                return []
            }
            return IRCEventRenderer.message(
                message, source: sender.map(sourceOfActor) ?? sourceOfSender(message.from),
                target: IRCEventRenderer.target(of: message, in: room),
                messageTags: recipient.messageTags, serverTime: recipient.serverTime,
                account: recipient.accountTag ? sender.flatMap { shared.naming.account(of: $0.occupant) } : nil,
                mapping: shared.mapping)
        case .privateMessage(let from, let message):
            return IRCEventRenderer.message(
                message, source: sourceOfActor(from), target: recipient.nick,
                messageTags: recipient.messageTags, serverTime: recipient.serverTime,
                account: recipient.accountTag ? shared.naming.account(of: from.occupant) : nil, mapping: shared.mapping)
        case .topicChanged(let topic, let by):
            let setter = by.map(sourceOfActor)
            return [IRCEventRenderer.topicChanged(topic, room: room, setter: setter, for: recipient)]
        case .configurationChanged(let configuration, let by):
            let old = state.withLock { state in
                defer { state.configurations[room] = configuration }
                return state.configurations[room]
            }
            guard let old else { return [] }
            return IRCEventRenderer.configurationChanged(
                from: old, to: configuration, room: room, actor: by.map(sourceOfActor), for: recipient
            ).map { [$0] } ?? []
        case .banListChanged(let ban, let added, let by):
            // RFC 2811 §4.3.1: MODE ±b from the setter.
            return [
                IRCMessage(
                    source: by.map(sourceOfActor) ?? recipient.serverName, command: "MODE",
                    parameters: [IRCChannelName.channel(for: room), added ? "+b" : "-b", ban.mask])
            ]
        case .voiceRequested(let requester):
            // XEP-0045 §7.13 has no IRC form: the operator is told how to grant it.
            let channel = IRCChannelName.channel(for: room)
            let nick = shared.naming.nick(of: requester)
            return [
                IRCMessage(
                    source: recipient.serverName, command: "NOTICE",
                    parameters: [recipient.nick, "\(nick) asks for voice in \(channel) (MODE \(channel) +v \(nick))"])
            ]
        }
    }

    /// `ERROR :text` and close, through the connection on its loop so that the client gets
    /// one ERROR even when the server's graceful shutdown closes it at the same time.
    private func closeConnection(_ text: String) {
        let channel = self.channel
        guard let connection else {
            var buffer = channel.allocator.buffer(capacity: 64)
            buffer.writeIRCMessage(IRCMessage(command: "ERROR", parameters: [text]))
            channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        channel.eventLoop.execute {
            connection.assumeIsolated { $0.close(text) }
        }
    }

    // MARK: Sources

    /// `nick!user@host` of whoever acted in a room, found by session: the IRC client of the
    /// actor's session when it is one, else the occupant as IRC shows a foreign one
    /// (`IRCOccupantNaming`).
    private func sourceOfActor(_ actor: RoomActor) -> String {
        shared.nicks.hostmask(ofSession: actor.session) ?? shared.naming.source(of: actor.occupant)
    }

    /// The source for the occupant called `nick` in `room`.
    private func sourceOfNick(_ nick: Nickname, in room: RoomID) -> String {
        shared.naming.source(ofNick: nick, in: room)
    }

    /// The source of a direct message: the IRC nick of the sending session when it is an IRC
    /// session, else `localpart!localpart@domain`.
    private func sourceOfSender(_ address: Address) -> String {
        switch address {
        case .session(let session):
            if let hostmask = shared.nicks.hostmask(ofSession: session) { return hostmask }
            return sourceOfUser(session.user)
        case .user(let user): return sourceOfUser(user)
        case .room(let room): return IRCChannelName.channel(for: room)
        case .occupant(let room, let nick): return sourceOfNick(nick, in: room)
        }
    }

    private func sourceOfUser(_ user: UserID) -> String {
        if let entry = shared.nicks.registered.first(where: { $0.userID == user }), let hostmask = entry.hostmask {
            return hostmask
        }
        return shared.naming.source(ofUser: user)
    }

    // MARK: Writing

    /// Writes lines as one buffer with one flush, after any fanned-out lines still
    /// gathered for this client (`IRCWriteFlusher` keeps the order).
    func write(_ lines: [IRCMessage]) {
        var buffer = channel.allocator.buffer(capacity: 64 * lines.count)
        for line in lines { buffer.writeIRCMessage(line) }
        write(buffer)
    }
}
