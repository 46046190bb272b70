import ParleyServerNIO
import Foundation
import Logging
import NIOCore
import NIOSSL
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// One client connection: carries out what its stream machine (`ServerStreamNegotiation`:
/// STARTTLS, SASL, resource binding) decides, then routes the bound session's stanzas
/// into the model and to the features' hooks. The same actor serves a TCP stream, an
/// RFC 7395 WebSocket and a XEP-0206 BOSH session: only its `transport` (where bytes go)
/// and the source of its events (`XMPPStreamChannelHandler`, `C2SWebSocketRoute`,
/// `C2SBOSHRoute`) differ.
///
/// The actor runs on the transport's event loop, so the NIO handler hands it events
/// synchronously and every write happens on the right thread. Events are handled one at
/// a time, in order; while one awaits the model, later ones wait in the runtime's
/// `SerialInbox` (congested at `inbound-queue-limit`: the server stops reading from a client
/// that sends faster than it is served, until half has drained).
final actor C2SConnection: XMPPStreamConnection {
    /// Where the stream's bytes go (`C2STransport`).
    nonisolated let transport: any C2STransport
    nonisolated var eventLoop: any EventLoop { transport.eventLoop }
    nonisolated var unownedExecutor: UnownedSerialExecutor { transport.eventLoop.executor.asUnownedSerialExecutor() }

    let shared: C2SShared
    /// The TCP stream's parser; nil over WebSocket and BOSH, where each message is parsed alone.
    let parser: ConnectionParser?

    /// The stream's negotiation and its checks, a value-type state machine whose actions
    /// this actor carries out (`C2SConnection+Actions.swift`).
    var stream: ServerStreamNegotiation
    /// Set when the stream's closing was written or the transport is gone.
    var streamClosed = false
    var login: Login<ChatAccount>?
    var session: ChatSession?
    /// What the session's rooms tell the others when the server ends the stream itself.
    var closingMessage: String?
    var mind: C2SMind?
    /// A login the portal granted, until the stream machine accepts or refuses it.
    var grantedLogin: Login<ChatAccount>?
    /// A session the model opened, until the stream machine accepts or refuses it.
    var openedSession: (session: ChatSession, mind: C2SMind)?
    /// Sent available presence (RFC 6121 §4.2): offline messages wait for it.
    var sentInitialPresence = false
    /// The server's own questions to the client (XEP-0115 disco#info), by IQ id.
    var questions: [String: ServerQuestion] = [:]
    /// XEP-0198: the stanzas handled from the client (`h`), once it enabled stream management.
    var handledCount: UInt32?
    /// XEP-0198 §5: since when the session waits for its client to resume it.
    var hibernatingSince: NIODeadline?
    /// A session being resumed on this stream, until the machine accepts it.
    var resuming: HandedOver?

    private var inbox: SerialInbox<XMLStreamEvent>
    /// Over WebSocket and BOSH, the route waiting for the inbox to leave congestion before it
    /// reads the next message (`receiveWhenRoom`); a TCP stream pauses its socket instead.
    private var roomWaiter: CheckedContinuation<Void, Never>?
    private var lastRead = NIODeadline.now()
    var lastWrite = NIODeadline.now()
    private let openedAt = NIODeadline.now()

    /// A client on a TCP stream read by `parser`; `directTLS` when TLS is under it from the
    /// first byte (XEP-0368).
    init(channel: any Channel, shared: C2SShared, parser: ConnectionParser, directTLS: Bool = false) {
        self.init(
            transport: C2SChannelTransport(channel: channel, framing: .tcp), shared: shared, parser: parser,
            stream: directTLS ? shared.directTLSNegotiation : shared.negotiation)
    }

    /// A client over an RFC 7395 WebSocket: secure from its first byte over a listener with
    /// TLS (`wss:`), or clear between two loopback addresses (`LoopbackSecurity`).
    init(webSocket channel: any Channel, shared: C2SShared, overTLS: Bool) {
        self.init(
            transport: C2SChannelTransport(channel: channel, framing: .webSocket), shared: shared, parser: nil,
            stream: shared.webSocketNegotiation(overTLS: overTLS, local: channel.localAddress, peer: channel.remoteAddress))
    }

    /// A client on `transport`, negotiating with `stream` (each message parsed alone when
    /// `parser` is nil).
    init(transport: any C2STransport, shared: C2SShared, parser: ConnectionParser?, stream: ServerStreamNegotiation) {
        self.transport = transport
        self.shared = shared
        self.parser = parser
        self.stream = stream
        self.inbox = SerialInbox(limit: shared.settings.inboundQueueLimit)
    }

    /// Logs with the connection's peer and address, built only when a line is written
    /// (a per-connection metadata dictionary would cost every idle session memory).
    func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message, _ metadata: Logger.Metadata = [:]) {
        let logger = shared.logger
        guard logger.logLevel <= level else { return }
        var all = metadata
        all["peer"] = "\(transport.peer)"
        if let session { all["jid"] = "\(session.id)" } else if let login { all["user"] = "\(login.avatar.user)" }
        logger.log(level: level, message(), metadata: all)
    }

    var settings: C2SSettings { shared.settings }
    var domain: String { shared.chat.domain }
    var codec: XMPPStanzaCodec { shared.codec }

    // MARK: Inbound events (called by XMPPStreamChannelHandler on the event loop)

    func receive(_ event: XMLStreamEvent) {
        lastRead = .now()
        guard !isClosed else { return }
        let idle = inbox.push(event)
        inbox.updateReading { transport.pauseReading($0) }
        guard idle else { return }
        Task { await self.drain() }
    }


    /// `receive`, then, while `inbound-queue-limit` events wait, no return until half of
    /// them have been handled: the WebSocket route reads its next message only then, so a
    /// client that sends faster than it is served fills its TCP window, not our memory.
    func receiveWhenRoom(_ event: XMLStreamEvent) async {
        receive(event)
        await waitForRoom()
    }

    /// No return while `inbound-queue-limit` events wait, until half of them have been
    /// handled (BOSH's route waits so before it hands in a request's payload).
    func waitForRoom() async {
        guard inbox.isCongested, !isClosed, roomWaiter == nil else { return }
        await withCheckedContinuation { roomWaiter = $0 }
    }

    private func resumeReaderIfRoom() {
        guard let waiter = roomWaiter, !inbox.isCongested else { return }
        roomWaiter = nil
        waiter.resume()
    }

    /// The transport delivered bytes (also keepalive whitespace, which yields no event).
    func sawBytes() { lastRead = .now() }

    private func drain() async {
        while let event = inbox.next() {
            inbox.updateReading { transport.pauseReading($0) }
            resumeReaderIfRoom()
            guard !isClosed else {
                inbox.removeAll()
                inbox.finished()
                resumeReaderIfRoom()
                break
            }
            await handle(event)
        }
    }

    private func handle(_ event: XMLStreamEvent) async {
        switch event {
        case .streamStart(let header): await execute(stream.receiveHeader(header))
        case .element(let element):
            // The per-stanza path skips the machine's action array when the stanza is fine.
            if let stanza = stream.acceptedStanza(element), let session {
                await route(stanza, session: session)
                // XEP-0198 §4: a stanza is counted once handled.
                if handledCount != nil { handledCount! &+= 1 }
            } else {
                await execute(stream.receiveElement(element))
            }
        // RFC 6120 §4.4: the client closed its stream; close ours and the connection.
        case .streamEnd: await execute(stream.receiveStreamEnd())
        }
    }

    /// The parser or the transport failed.
    func failed(_ error: any Error) {
        if let streamError = error as? StreamError {
            log(.info, "stream error", ["error": "\(streamError)"])
            closeStream(error: streamError)
        } else if error is NIOSSLError || error is BoringSSLError {
            log(.info, "TLS failed", ["error": "\(error)"])
            transport.close()
        } else {
            log(.debug, "connection error", ["error": "\(error)"])
            transport.close()
        }
    }

    /// The transport is gone (closed by either side, or dropped; a BOSH session ended): the session ends
    /// and its contacts learn it is unavailable (RFC 6121 §4.5.4).
    nonisolated func channelInactive() {
        Task { await inactive() }
    }

    private func inactive() async {
        let cleanly = stream.isClosed
        stream.transportClosed()
        streamClosed = true
        inbox.removeAll()
        resumeReaderIfRoom()
        abandonQuestions()
        // XEP-0198 §5: a resumable session outlives a transport that went without a
        // closing; the sweep ends it if the client does not come back in time.
        if !cleanly, hibernate() { return }
        await endSession()
        shared.connections.forget(self)
    }

    func endSession() async {
        let (session, login, mind) = (self.session, self.login, self.mind)
        self.session = nil
        self.login = nil
        if let mind, handledCount != nil {
            if let id = mind.withStreamManagement({ $0?.resumeID }) { shared.resumptions.remove(id, ifHeldBy: self) }
            if let user = (session?.user ?? login?.avatar.user)?.username { await keepUnacknowledged(of: mind, user: user) }
        }
        await session?.close(message: closingMessage)
        await login?.logout()
    }

    /// The client left more than `max-send-queue` bytes unread: the stream ends with
    /// policy-violation at once (not waiting for a peer that does not read), and its rooms
    /// tell the others why it left.
    func sendQueueExceeded() {
        guard !isClosed else { return }
        log(.notice, "client cut off: it does not read", ["limit": "\(settings.sendQueue.bytes)"])
        closingMessage = "disconnected: the client stopped reading"
        closeStream(
            error: StreamError(.policyViolation, text: "more than \(settings.sendQueue.bytes) bytes waiting: the client is not reading"))
        transport.close()
    }

    var isClosed: Bool { streamClosed }

    // MARK: Timers (RFC 6120 §4.6: whitespace keepalives; idle and negotiation limits)

    /// Timeouts, keepalives and hibernation; called by the loop's `LoopSweeper`
    /// on this connection's event loop.
    func tick() {
        let now = NIODeadline.now()
        if hibernatingSince != nil {
            Task { await expireHibernation(now: now) }
            return
        }
        // A BOSH session outlives its stream's closing until the client fetches it (or leaves).
        transport.tick(now: now)
        guard !isClosed else { return }
        if session == nil, now - openedAt > .milliseconds(Int64(settings.negotiationTimeout * 1000)) {
            closeStream(error: StreamError(.connectionTimeout, text: "stream negotiation took too long"))
        } else if transport.keepsAliveInStream, now - lastRead > .milliseconds(Int64(settings.idleTimeout * 1000)) {
            closeStream(error: StreamError(.connectionTimeout, text: "idle for too long"))
        } else if transport.keepsAliveInStream, session != nil,
            now - lastWrite > .milliseconds(Int64(settings.keepaliveInterval * 1000))
        {
            var space = transport.allocator.buffer(capacity: 1)
            space.writeInteger(UInt8(ascii: " "))
            writeRaw(space)
        }
        // An idle stream gives back its parser memory (about 18 KiB) until it speaks again.
        if let parser, now - lastRead > Self.hibernateAfter, inbox.isEmpty, !inbox.busy, !parser.parser.isHibernating {
            inbox.compact()
            if parser.parser.hibernate() { shared.memory.noteRelease() }
        }
    }

    /// Silence after which a connection's parser hibernates.
    static let hibernateAfter = TimeAmount.milliseconds(500)

    // MARK: Writing

    func write(_ element: XMLElement) {
        var buffer = transport.allocator.buffer(capacity: 256)
        buffer.writeXML(element, inheritedNamespace: XMPPNamespace.client)
        // Once bound, stanzas go through the session's mind: in order with its deliveries,
        // and counted for XEP-0198.
        if let mind, session != nil {
            lastWrite = .now()
            mind.writeNow(buffer)
        } else {
            writeRaw(buffer)
        }
    }

    /// Writes and flushes one whole element (or a keepalive) in the connection's framing.
    func writeRaw(_ buffer: ByteBuffer) {
        lastWrite = .now()
        transport.write(buffer)
        transport.flush()
    }

    /// Closes the stream from our side, with `error` if any (RFC 6120 §4.4, §4.9).
    func closeStream(error: StreamError?) {
        for action in stream.close(error) { perform(action) }
    }

    /// The model ended the session (a replacing login, a shutdown, a kick).
    func serviceClosed(with error: StreamError) {
        if hibernatingSince != nil {
            // A waiting session that the model ended (a new login took its resource).
            hibernatingSince = nil
            Task {
                await endSession()
                shared.connections.forget(self)
            }
            return
        }
        session = nil
        closeStream(error: error)
    }
}
