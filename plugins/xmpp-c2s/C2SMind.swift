import NIOCore
import ParleyCore
import ParleyMUC
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization

/// The XMPP client's side of a model session: turns each `ChatEvent` into the stanza the
/// client expects and writes it to the connection. Called on the executor of a user or a
/// room; it only serializes and hands the bytes to the transport, on its own event loop.
final class C2SMind: SessionMind, CoalescedFlushing {
    let protocolFamily = ProtocolFamily.xmpp
    let codec: XMPPStanzaCodec

    /// Where the session's stanzas go now, and its XEP-0198 state: a resumed session
    /// moves to the transport (and loop) of the connection that resumed it.
    struct Link {
        /// A TCP stream, one WebSocket message each over RFC 7395, BOSH responses.
        var transport: any C2STransport
        /// Writes and flushes once per turn of the transport's loop, for every mind on it.
        var coalescer: LoopFlushCoalescer
        weak var connection: C2SConnection?
        /// Set once the client enabled stream management.
        var streamManagement: C2SStreamManagement?
    }
    let link: Mutex<Link>

    /// The transport stanzas go to now.
    var transport: any C2STransport { link.withLock { $0.transport } }
    private var connection: C2SConnection? { link.withLock { $0.connection } }

    private struct State {
        /// The bound full JID, the `to` of everything delivered, and its text.
        var jid: JID?
        var jidText = ""
        /// ` to='jid'`, for room messages rendered once per fan-out.
        var toAttribute: [UInt8] = []
        /// The last sender and its JID text: a conversation repeats it.
        var lastSender: (address: Address, text: String)?
        /// RFC 6121 §2.1.6: roster pushes go to resources that requested the roster.
        var wantsRosterPushes = false
        /// XEP-0191 §5.2: block list pushes go to resources that requested the list.
        var wantsBlockListPushes = false
        var pushCounter: UInt64 = 0
        /// XEP-0045 §7.2.14: the history asked for with the latest join.
        var entryHistory = MUCEntryHistory()
    }
    private let state = Mutex(State())

    /// Renders room events as XEP-0045 stanzas under the rooms' domain.
    let rooms: MUCEventRenderer

    /// What the client may leave unread before it is cut off, and whether it was.
    let sendQueue: SendQueueLimit
    let cutOff = CutOffFlag()

    /// Most stanzas kept unacknowledged for a hibernating session (XEP-0198 §5).
    let maximumUnacknowledged: Int
    /// Every transport's allocator is the default one: read once, not under the lock.
    let allocator: ByteBufferAllocator

    /// A mind writing on `channel` in `framing`.
    convenience init(
        channel: any Channel, codec: XMPPStanzaCodec, connection: C2SConnection, rooms: MUCEventRenderer,
        sendQueue: SendQueueLimit = SendQueueLimit(), coalescer: LoopFlushCoalescer? = nil, framing: C2SFraming = .tcp
    ) {
        self.init(
            transport: C2SChannelTransport(channel: channel, framing: framing), codec: codec, connection: connection,
            rooms: rooms, sendQueue: sendQueue, coalescer: coalescer)
    }

    init(
        transport: any C2STransport, codec: XMPPStanzaCodec, connection: C2SConnection, rooms: MUCEventRenderer,
        sendQueue: SendQueueLimit = SendQueueLimit(), coalescer: LoopFlushCoalescer? = nil, maximumUnacknowledged: Int = 1_000
    ) {
        self.link = Mutex(
            Link(
                transport: transport, coalescer: coalescer ?? LoopFlushCoalescer(loop: transport.eventLoop),
                connection: connection))
        self.codec = codec
        self.rooms = rooms
        self.sendQueue = sendQueue
        self.maximumUnacknowledged = maximumUnacknowledged
        self.allocator = transport.allocator
    }

    /// The history to send with the client's next entry into `room` (`MUCClient`).
    func expectEntry(to room: RoomID, history: MUCHistoryRequest) {
        state.withLock { $0.entryHistory.expect(room, history) }
    }

    func bind(_ jid: JID) {
        state.withLock {
            $0.jid = jid
            $0.jidText = jid.description
            $0.toAttribute = C2SFannedStanza.toAttribute(jid)
        }
    }

    /// The JID text of a sender, from a one-entry cache (`cached` was read with the rest
    /// of the state, so a hit costs no second lock).
    private func text(of address: Address, cached: (address: Address, text: String)?) -> String? {
        if let cached, cached.address == address { return cached.text }
        guard let jid = Self.jid(address) else { return nil }
        let text = jid.description
        state.withLock { $0.lastSender = (address, text) }
        return text
    }
    func requestedRoster() { state.withLock { $0.wantsRosterPushes = true } }
    func requestedBlockList() { state.withLock { $0.wantsBlockListPushes = true } }

    struct Unreachable: Error {}

    func deliver(_ event: ChatEvent) throws {
        guard isReachable,
            let (me, meText, lastSender) = state.withLock({ state in
                state.jid.map { ($0, state.jidText, state.lastSender) }
            })
        else {
            if cutOff.isSet { return }
            throw Unreachable()
        }
        switch event {
        case .message(let message):
            guard let from = text(of: message.from, cached: lastSender) else { return }
            write(codec.element(for: message, from: from, to: meText), important: Self.matters(message))
            if Self.matters(message) { pushIfHibernating(from: message.from, me: me) }
        case .blockListChanged(let change):
            guard state.withLock({ $0.wantsBlockListPushes }) else { return }
            push(BlockingElements.push(change), to: me)
        case .copy(let message, let direction):
            guard let carbon = carbon(of: message, direction, me: me, meText: meText) else { return }
            write(carbon, important: Self.matters(message))
        case .presence(let from, let presence):
            write(codec.element(for: presence, from: JID(from), to: me), important: false)
        case .subscription(let from, let request):
            write(codec.element(for: request, from: JID(from), to: me.bare))
        case .contactUpdated(let contact, let version):
            pushRoster(RosterItem(contact), version: version, to: me)
        case .contactRemoved(let address, let version):
            pushRoster(RosterItem(removing: JID(address)), version: version, to: me)
        case .query(let query):
            guard let from = Self.jid(query.from) else { return }
            var iq = XMLElement(
                name: "iq", namespace: codec.namespace,
                attributes: [
                    XMLAttribute("from", value: from.description), XMLAttribute("to", value: meText),
                    XMLAttribute("type", value: query.kind.rawValue), XMLAttribute("id", value: query.id),
                ])
            for element in codec.extensions.elements(for: query.payloads) { iq.append(element) }
            write(iq)
        case .closed(let reason):
            let error: StreamError =
                switch reason {
                case .replaced: StreamError(.conflict, text: "replaced by a new session with the same resource")
                case .shutdown: StreamError(.systemShutdown, text: "the server is shutting down")
                case .kicked(let why): StreamError(.policyViolation, text: why)
                }
            if let connection {
                connection.eventLoop.execute { connection.assumeIsolated { $0.serviceClosed(with: error) } }
            }
        case .room, .invitation:
            guard let session = me.sessionID else { return }
            let stanzas = rooms.stanzas(for: event, me: session, to: meText) { room in
                state.withLock { $0.entryHistory.take(for: room) }
            }
            let important: Bool =
                switch event {
                case .room(_, .message(let message, _)): Self.matters(message)
                case .room: false
                default: true
                }
            for stanza in stanzas ?? [] { write(stanza, important: important) }
        case .probe:
            break  // presence probes are answered by the model
        }
    }

    /// A room message to every occupant, or one message to many addresses, is serialized
    /// once for all XMPP recipients (`C2SFannedStanza`); each copy only gets its own `to`.
    func deliver(_ event: ChatEvent, fanOut: FanOut) throws {
        switch event {
        case .message(let message) where Self.jid(message.from) == nil: return  // from a room: MUC's
        case .room(_, .message), .message: break
        default: return try deliver(event)
        }
        guard isReachable, let to = state.withLock({ $0.jid == nil ? nil : $0.toAttribute }) else {
            if cutOff.isSet { return }
            throw Unreachable()
        }
        // Rendered by the first recipient only; the others copy its bytes.
        let rendered = fanOut.memo(ObjectIdentifier(C2SFannedStanza.self)) {
            C2SFannedStanza(fannedStanza(event), namespace: codec.namespace, allocator: allocator)
        }
        let important: Bool =
            switch event {
            case .room(_, .message(let message, _)), .message(let message): Self.matters(message)
            default: true
            }
        write(rendered.copy(to: to, allocator: allocator), important: important)
    }

    /// XEP-0357: a message for a session waiting for its client to resume it wakes the
    /// account's app servers (the client's phone).
    private func pushIfHibernating(from sender: Address, me: JID) {
        let (hibernating, connection) = link.withLock { ($0.streamManagement?.hibernating ?? false, $0.connection) }
        guard hibernating, let connection, let user = me.userID.username else { return }
        let push = connection.shared.push
        let senderJID = Self.jid(sender)
        Task { await push.notify(user, sender: senderJID) }
    }

    /// XEP-0352: whether a message wakes an inactive client (`C2SOutbox`).
    static func matters(_ message: Message) -> Bool {
        message.body != nil || message.subject != nil
    }

    /// XEP-0352 §5: the client is inactive (held stanzas wait) or active again.
    func setClientInactive(_ inactive: Bool) {
        let schedule = outbox.withLock { $0.setInactive(inactive) }
        if schedule { scheduleFlush() }
    }

    /// The stanza of a fanned-out event, without its `to`.
    private func fannedStanza(_ event: ChatEvent) -> XMLElement {
        switch event {
        case .room(let room, .message(let message, let sender)):
            return rooms.groupchat(message, in: room, sender: sender)
        case .message(let message):
            var stanza = codec.element(for: message, from: Self.jid(message.from)?.description ?? "", to: "")
            stanza[attribute: "to"] = nil
            return stanza
        default:
            preconditionFailure("only messages are fanned out")
        }
    }

    /// XEP-0280 §7 (received) and §8 (sent): the copy, forwarded (XEP-0297) inside a message
    /// from the user's own bare JID, the only sender a client believes a carbon from (§11).
    private func carbon(of message: Message, _ direction: MessageCopy, me: JID, meText: String) -> XMLElement? {
        guard let from = Self.jid(message.from), let to = Self.jid(message.to) else { return nil }
        var copied = message
        // The id a recipient's archive gave is the recipient's; a sent copy goes without it.
        if direction == .sent { copied.archiveID = nil }
        var forwarded = XMLElement(name: "forwarded", namespace: XMPPNamespace.forward)
        forwarded.append(codec.element(for: copied, from: from, to: to))
        var wrapper = XMLElement(name: direction == .sent ? "sent" : "received", namespace: XMPPNamespace.carbons)
        wrapper.append(forwarded)
        var outer = XMLElement(
            name: "message", namespace: codec.namespace,
            attributes: [XMLAttribute("from", value: me.bare.description), XMLAttribute("to", value: meText)])
        outer[attribute: "type"] = XMPPStanzaCodec.messageType(of: message.kind)
        outer.append(wrapper)
        return outer
    }

    private func pushRoster(_ item: RosterItem, version: UInt64, to me: JID) {
        guard state.withLock({ $0.wantsRosterPushes }) else { return }
        push(RosterItem.query(items: [item], version: String(version)), to: me)
    }

    /// A server push (`<iq type='set'/>` with `payload`) to this resource: roster pushes
    /// (RFC 6121 §2.1.6), block list pushes (XEP-0191 §5.2).
    private func push(_ payload: XMLElement, to me: JID) {
        let id = state.withLock { state in
            state.pushCounter += 1
            return state.pushCounter
        }
        var iq = XMLElement(
            name: "iq", namespace: codec.namespace,
            attributes: [
                XMLAttribute("to", value: me.description), XMLAttribute("type", value: "set"),
                XMLAttribute("id", value: "push-\(id)"),
            ])
        iq.append(payload)
        write(iq)
    }

    /// The JID of a model address; rooms are the MUC component's.
    static func jid(_ address: Address) -> JID? {
        switch address {
        case .user(let user): JID(user)
        case .session(let session): JID(session)
        case .room, .occupant: nil
        }
    }

    /// What waits to be written, and what an inactive client's policy holds (XEP-0352).
    private let outbox = Mutex(C2SOutbox())

    private func write(_ element: XMLElement, important: Bool = true) {
        var buffer = allocator.buffer(capacity: 256)
        // Standing alone, it declares its namespace now: the transport need not copy it to
        // add the declaration (`C2SFraming.standalone`).
        buffer.writeXML(element, inheritedNamespace: transport.elementsStandAlone ? "" : codec.namespace)
        write(buffer, important: important)
    }

    /// Queues `buffer` behind what is already queued; the loop's coalescer writes and
    /// flushes the queue once per loop turn (one `writev` for every stanza of the turn).
    /// From another thread, one hop to the loop registers the mind there.
    private func write(_ buffer: ByteBuffer, important: Bool) {
        guard outbox.withLock({ $0.add(buffer, important: important) }) else { return }
        scheduleFlush()
    }

    private func scheduleFlush() {
        let coalescer = link.withLock { $0.coalescer }
        if coalescer.loop.inEventLoop {
            coalescer.flushSoon(self)
        } else {
            coalescer.loop.execute { [self] in coalescer.flushSoon(self) }
        }
    }

    func flushCoalesced() {
        let buffers = outbox.withLock { $0.take() }
        let (exceeded, unacknowledged, connection) = link.withLock { link in
            Self.send(buffers, over: &link, limit: maximumUnacknowledged)
            let unacknowledged = link.streamManagement.map { $0.overflowed && !$0.hibernating && !$0.ending } ?? false
            return (link.transport.isSendQueueExceeded(sendQueue), unacknowledged, link.connection)
        }
        // A resumed session's connection may run on another loop than the coalescer.
        guard let connection else { return }
        if exceeded {
            cutOff.set()
            connection.eventLoop.execute { connection.assumeIsolated { $0.sendQueueExceeded() } }
        } else if unacknowledged {
            // XEP-0198: a live client that never acknowledges is cut off, its queue kept offline.
            let limit = 4 * maximumUnacknowledged
            connection.eventLoop.execute {
                connection.assumeIsolated {
                    $0.closeStream(error: StreamError(.policyViolation, text: "more than \(limit) stanzas were not acknowledged"))
                }
            }
        }
    }

    /// Writes `buffers` (stanzas) and flushes, counting each for XEP-0198 when it is on.
    private static func send(_ buffers: [ByteBuffer], over link: inout Link, limit: Int) {
        for buffer in buffers {
            if link.streamManagement != nil { link.streamManagement!.sent(buffer, limit: limit) }
            link.transport.write(buffer)
        }
        // XEP-0198 §4: ask for an acknowledgement once a few stanzas wait for one.
        if link.streamManagement?.shouldRequest() == true {
            var request = link.transport.allocator.buffer(capacity: 32)
            request.writeXML(StreamManagementElements.request, inheritedNamespace: XMPPNamespace.client)
            link.transport.write(request)
        }
        link.transport.flush()
    }

    /// Writes one stanza of the connection's own (an IQ result, an error) now, in order
    /// with the deliveries and counted as they are.
    func writeNow(_ buffer: ByteBuffer) {
        // What waits in the outbox (held or queued) goes first, in the same write.
        let buffers = outbox.withLock { outbox in
            outbox.release()
            return outbox.take() + [buffer]
        }
        link.withLock { Self.send(buffers, over: &$0, limit: maximumUnacknowledged) }
    }

    /// Whether deliveries are taken: the transport is up, or the session waits for a
    /// resumption with room left in its queue (XEP-0198 §5).
    private var isReachable: Bool {
        link.withLock { link in
            if let managed = link.streamManagement {
                if managed.ending || managed.overflowed { return false }
                // From the transport's loss to the hibernation, and during it.
                if managed.waitsForResumption { return true }
            }
            return link.transport.isActive
        }
    }

    /// The session ends: nothing more is taken for it (deliveries fail, so the model keeps
    /// them offline or bounces them), and what was sent or queued and never acknowledged is
    /// handed over, oldest first, to be kept offline.
    func endStreamManagement() -> [ByteBuffer] {
        let managed = link.withLock { link -> Bool in
            guard link.streamManagement != nil else { return false }
            link.streamManagement!.ending = true
            link.streamManagement!.hibernating = false
            return true
        }
        guard managed else { return [] }
        let queued = outbox.withLock { outbox -> [ByteBuffer] in
            outbox.release()
            return outbox.take()
        }
        return link.withLock { link in
            defer { link.streamManagement?.unacknowledged.removeAll() }
            return Array(link.streamManagement?.unacknowledged ?? []) + queued
        }
    }

    /// §3: management starts with `enabled` written under the lock, so every stanza counted
    /// reaches the client after it.
    func enableStreamManagement(_ managed: C2SStreamManagement, enabled: ByteBuffer) {
        link.withLock { link in
            link.streamManagement = managed
            link.transport.write(enabled)
            link.transport.flush()
        }
    }

    // MARK: XEP-0198

    /// Changes the session's stream management state under the transport's lock.
    func withStreamManagement<T>(_ body: (inout C2SStreamManagement?) -> T) -> T {
        link.withLock { body(&$0.streamManagement) }
    }

    /// §4: the client handled `h` stanzas; false (with what was sent) when that is more
    /// than was sent, or management is off.
    func acknowledge(_ h: UInt32) -> (ok: Bool, sent: UInt32) {
        withStreamManagement { managed in
            guard managed != nil else { return (false, 0) }
            return (managed!.acknowledge(h) != nil, managed!.counters.sent)
        }
    }

    /// §5: the session moves to `transport` (the resuming connection's): `resumed` is
    /// written first, then every stanza the client did not acknowledge, then what comes.
    func resume(
        on transport: any C2STransport, coalescer: LoopFlushCoalescer, connection: C2SConnection, resumed: ByteBuffer
    ) {
        link.withLock { link in
            link.transport = transport
            link.coalescer = coalescer
            link.connection = connection
            link.streamManagement?.hibernating = false
            transport.write(resumed)
            for buffer in link.streamManagement?.unacknowledged ?? [] { transport.write(buffer) }
            transport.flush()
        }
    }
}
