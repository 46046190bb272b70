import Logging
import NIOCore
import NIOSSL
import NIOTLS
import ParleyCore
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// One incoming server-to-server stream (the receiving side, `S2SAcceptState`) on its
/// channel's event loop: TLS, SASL EXTERNAL or dialback, then the remote server's stanzas,
/// each checked against the stream's authenticated domain pairs and handed to the model
/// in order (reading pauses while too many wait).
final actor S2SInboundConnection: XMPPStreamConnection {
    nonisolated let channel: any Channel
    nonisolated var unownedExecutor: UnownedSerialExecutor { channel.eventLoop.executor.asUnownedSerialExecutor() }
    nonisolated var eventLoop: any EventLoop { channel.eventLoop }

    let shared: S2SShared
    private let parser: ConnectionParser
    private var stream: S2SAcceptState
    private let certificate = S2SCertificateBox()
    private var gate: FloodGate
    /// What waits for the model, in order: traffic, or a stanza for an in-process room.
    private enum Inbound {
        case model(ComponentTraffic, XMLElement)
        case room(S2SRoomGateway, XMLElement)
    }

    private var inbox: SerialInbox<Inbound>
    private let openedAt = NIODeadline.now()
    private var lastStanza = NIODeadline.now()
    private var lastWrite = NIODeadline.now()

    /// `directTLS`: the connection came to the direct TLS port (XEP-0368); the shell puts
    /// `tlsHandler()` in front before any byte is read.
    init(channel: any Channel, parser: ConnectionParser, shared: S2SShared, directTLS: Bool = false) {
        self.channel = channel
        self.parser = parser
        self.shared = shared
        stream = S2SAcceptState(configuration: shared.acceptConfiguration(), directTLS: directTLS)
        gate = FloodGate(rate: shared.settings.maxStanzasPerSecond, now: NIODeadline.now().uptimeNanoseconds)
        inbox = SerialInbox(limit: shared.settings.inboundQueueLimit)
    }

    func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message, _ metadata: Logger.Metadata = [:]) {
        let logger = shared.logger
        guard logger.logLevel <= level else { return }
        var all = metadata
        all["peer"] = "\(channel.remoteAddress?.description ?? "?")"
        if let claimed = stream.claimedDomain { all["from"] = "\(claimed)" }
        logger.log(level: level, message(), metadata: all)
    }

    // MARK: Events

    func receive(_ event: XMLStreamEvent) {
        perform(stream.received(event))
    }

    func failed(_ error: any Error) {
        if let streamError = error as? StreamError {
            log(.info, "s2s stream error", ["error": "\(streamError)"])
            closeStream(error: streamError)
        } else {
            log(.debug, "s2s connection error", ["error": "\(error)"])
            stream.abandon()
            channel.close(promise: nil)
        }
    }

    nonisolated func userInboundEvent(_ event: Any) -> Bool {
        guard case .handshakeCompleted? = event as? TLSUserEvent else { return false }
        assumeIsolated { $0.tlsUp() }
        return true
    }

    nonisolated func channelInactive() {
        assumeIsolated { $0.inactive() }
    }

    /// What the stream delivered before it ended still reaches the model (`drain`).
    private func inactive() {
        stream.abandon()
        shared.connections.forget(self)
    }

    private func tlsUp() {
        stream.tlsEstablished(certificateNames: certificate.names)
        log(.debug, "s2s TLS up", ["certificate": "\(certificate.names.isVerified ? "verified" : "not verified")"])
    }

    /// The TLS server handler for this connection, recording what the peer's certificate proves.
    nonisolated func tlsHandler(context: NIOSSLContext) -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: context, customVerificationCallback: S2SCertificateBox.callback(trust: shared.trust, box: certificate))
    }

    // MARK: Actions

    private func perform(_ actions: [S2SAcceptState.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                write(bytes)
            case .sendAndStartTLS(let bytes):
                write(bytes)
                do {
                    try channel.pipeline.syncOperations.addHandler(tlsHandler(context: shared.serverTLS), position: .first)
                } catch {
                    log(.error, "cannot start TLS", ["error": "\(error)"])
                    channel.close(promise: nil)
                    return
                }
                parser.parser.reset()
            case .sendAndRestart(let bytes):
                parser.parser.reset()
                write(bytes)
            case .verifyDialback(let request):
                verify(request)
            case .authenticated(let pair, let method):
                log(.info, "s2s stream authenticated", ["pair": "\(pair)", "method": "\(method)", "direction": "in"])
            case .stanza(let element, let pair):
                stanza(element, to: pair.local)
            case .close(let error):
                if let error { log(.info, "s2s stream refused", ["error": "\(error)"]) }
                closeStream(error: error)
            }
        }
    }

    /// XEP-0220 §2.1.3: ask the authoritative server of the originating domain, over our
    /// outgoing stream to it.
    private func verify(_ request: DialbackVerification) {
        let loop = channel.eventLoop
        shared.verify(request) { outcome in
            loop.execute {
                self.assumeIsolated { connection in
                    connection.perform(connection.stream.dialbackChecked(request, outcome: outcome))
                }
            }
        }
    }

    // MARK: Stanzas

    /// One stanza of an authenticated pair; `local` is its recipient's domain, already
    /// parsed by the stream's pair check.
    private func stanza(_ element: XMLElement, to local: String) {
        lastStanza = .now()
        guard gate.admit(now: NIODeadline.now().uptimeNanoseconds) else {
            log(.notice, "s2s stream cut off: flood", ["limit": "\(shared.settings.maxStanzasPerSecond)"])
            closeStream(error: StreamError(.policyViolation, text: "more than \(shared.settings.maxStanzasPerSecond) stanzas a second"))
            return
        }
        // XEP-0045: a remote user talking to one of this process's rooms.
        if let rooms = shared.roomGateway(for: local) {
            enqueue(.room(rooms, element))
            return
        }
        if local == shared.chat.domain, S2SServerQueries.isAddressedToServer(element, domain: local) {
            let type = element[attribute: "type"]
            if type == "get" || type == "set" {
                let reply = S2SServerQueries.reply(to: element, domain: shared.chat.domain, components: shared.chat.componentDomains)
                sendBack(reply, answering: element)
            }
            return
        }
        let traffic: ComponentTraffic?
        do {
            traffic = try shared.codec.traffic(from: element)
        } catch {
            switch error {
            case .stanza(let error): reject(element, error)
            case .stream(let error): closeStream(error: error)
            }
            return
        }
        guard let traffic else { return }
        enqueue(.model(traffic, element))
    }

    private func enqueue(_ item: Inbound) {
        let start = inbox.push(item)
        inbox.updateReading(of: channel)
        guard start else { return }
        Task { await self.drain() }
    }

    private func drain() async {
        while let item = inbox.next() {
            inbox.updateReading(of: channel)
            switch item {
            case .room(let rooms, let stanza): await rooms.handle(stanza)
            case .model(let traffic, let stanza): await deliver(traffic, from: stanza)
            }
        }
    }

    /// Hands `traffic` to the model, answering `stanza` with the error of a refusal.
    private func deliver(_ traffic: ComponentTraffic, from stanza: XMLElement) async {
        guard let link = shared.link else { return reject(stanza, StanzaError(.serviceUnavailable)) }
        do {
            try await link.send(traffic)
        } catch {
            // RFC 6121 §8.5.2.2: a message for a local user with no session waits offline.
            if case .recipientUnavailable = error, case .message(let message) = traffic,
                let outcome = await shared.chat.keepOffline(message)
            {
                if let notKept = StanzaError(notKept: outcome) { reject(stanza, notKept) }
                return
            }
            if let stanzaError = Bounce.stanzaError(for: error, traffic: traffic) { reject(stanza, stanzaError) }
        }
    }

    /// The error reply to `stanza`, sent back over our outgoing stream to its domain
    /// (RFC 6120 §8.3.1: never an error to an error).
    private func reject(_ stanza: XMLElement, _ error: StanzaError) {
        guard stanza[attribute: "type"] != "error" else { return }
        sendBack(error.reply(to: stanza, includingOriginal: false), answering: stanza)
    }

    /// Sends `reply` to the sender of `stanza`, over our outgoing stream to its domain.
    private func sendBack(_ reply: XMLElement, answering stanza: XMLElement) {
        guard let from = stanza[attribute: "from"].flatMap(JID.init), let to = stanza[attribute: "to"].flatMap(JID.init) else {
            return
        }
        shared.send(reply, S2SDomainPair(remote: from.domain, local: to.domain))
    }

    // MARK: Closing and timers

    func closeStream(error: StreamError?) {
        guard let bytes = stream.closingBytes(error: error) else { return }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let channel = self.channel
        channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
        channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    private func write(_ bytes: [UInt8]) {
        lastWrite = .now()
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Negotiation and idle timeouts; called by the loop's sweeper.
    func tick() {
        guard !stream.isClosed else { return }
        let now = NIODeadline.now()
        if stream.authenticated.isEmpty {
            if now - openedAt > .nanoseconds(Int64(shared.settings.negotiationTimeout * 1e9)) {
                log(.info, "s2s stream not authenticated in time")
                closeStream(error: StreamError(.connectionTimeout, text: "no authentication within \(shared.settings.negotiationTimeout) s"))
            }
            return
        }
        if now - lastStanza > .nanoseconds(Int64(shared.settings.idleTimeout * 1e9)) {
            log(.info, "s2s stream idle: closing", ["direction": "in"])
            closeStream(error: nil)
            return
        }
        if now - lastWrite > .nanoseconds(Int64(shared.settings.keepaliveInterval * 1e9)) {
            write([UInt8(ascii: " ")])
        }
    }
}
