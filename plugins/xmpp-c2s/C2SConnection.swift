import DequeModule
import Foundation
import Logging
import NIOCore
import NIOSSL
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// One client connection: the stream negotiation of RFC 6120 (STARTTLS, SASL, resource
/// binding) and then the bound session, whose stanzas go into the model.
///
/// The actor runs on the channel's event loop, so the NIO handler hands it events
/// synchronously and every write happens on the right thread. Events are handled one at
/// a time, in order; while one awaits the model, later ones wait in `inbox` (bounded: the
/// server stops reading from a client that sends faster than it is served).
final actor C2SConnection: XMPPStreamConnection {
    nonisolated let channel: any Channel
    nonisolated var unownedExecutor: UnownedSerialExecutor { channel.eventLoop.executor.asUnownedSerialExecutor() }

    let shared: C2SShared
    let parser: ConnectionParser

    enum Phase {
        /// Waiting for the client's stream header (at start and after each restart).
        case awaitingHeader
        /// Stream open, features sent, nothing negotiated in progress.
        case open
        /// A SASL exchange is in progress.
        case authenticating(SASLExchange)
        /// The stream is closing or closed; nothing more is processed.
        case closed
    }
    var phase = Phase.awaitingHeader
    var secure = false
    var login: Login<ChatAccount>?
    var session: ChatSession?
    var mind: C2SMind?
    var authFailures = 0
    var streamID = ""
    /// Sent available presence (RFC 6121 §4.2): offline messages wait for it.
    var sentInitialPresence = false

    private var inbox = Deque<XMLStreamEvent>()
    private var draining = false
    private var readingPaused = false
    private var lastRead = NIODeadline.now()
    private var lastWrite = NIODeadline.now()
    private let openedAt = NIODeadline.now()

    init(channel: any Channel, shared: C2SShared, parser: ConnectionParser) {
        self.channel = channel
        self.shared = shared
        self.parser = parser
    }

    /// Logs with the connection's peer and address, built only when a line is written
    /// (a per-connection metadata dictionary would cost every idle session memory).
    func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message, _ metadata: Logger.Metadata = [:]) {
        let logger = shared.logger
        guard logger.logLevel <= level else { return }
        var all = metadata
        all["peer"] = "\(channel.remoteAddress?.description ?? "?")"
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
        inbox.append(event)
        if inbox.count >= settings.inboundQueueLimit && !readingPaused {
            readingPaused = true
            channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
        guard !draining else { return }
        draining = true
        Task { await self.drain() }
    }

    /// The transport delivered bytes (also keepalive whitespace, which yields no event).
    func sawBytes() { lastRead = .now() }

    private func drain() async {
        while let event = inbox.popFirst() {
            if readingPaused && inbox.count <= settings.inboundQueueLimit / 4 {
                readingPaused = false
                channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                channel.read()
            }
            guard !isClosed else { break }
            await handle(event)
        }
        draining = false
    }

    private func handle(_ event: XMLStreamEvent) async {
        switch event {
        case .streamStart(let header):
            openStream(header)
        case .element(let element):
            await handle(element)
        case .streamEnd:
            // RFC 6120 §4.4: the client closed its stream; close ours and the connection.
            await endSession()
            closeStream(error: nil)
        }
    }

    /// The parser or the transport failed.
    func failed(_ error: any Error) {
        if let streamError = error as? StreamError {
            log(.info, "stream error", ["error": "\(streamError)"])
            closeStream(error: streamError)
        } else if error is NIOSSLError || error is BoringSSLError {
            log(.info, "TLS failed", ["error": "\(error)"])
            channel.close(promise: nil)
        } else {
            log(.debug, "connection error", ["error": "\(error)"])
            channel.close(promise: nil)
        }
    }

    /// The TCP connection is gone (closed by either side, or dropped): the session ends
    /// and its contacts learn it is unavailable (RFC 6121 §4.5.4).
    nonisolated func channelInactive() {
        Task { await inactive() }
    }

    private func inactive() async {
        phase = .closed
        inbox.removeAll()
        await endSession()
        shared.connections.forget(self)
    }

    private func endSession() async {
        let (session, login) = (self.session, self.login)
        self.session = nil
        self.login = nil
        await session?.close()
        await login?.logout()
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    // MARK: Timers (RFC 6120 §4.6: whitespace keepalives; idle and negotiation limits)

    /// Timeouts, keepalives and hibernation; called by the loop's `LoopSweeper`
    /// on this connection's event loop.
    func tick() {
        guard !isClosed else { return }
        let now = NIODeadline.now()
        if session == nil, now - openedAt > .milliseconds(Int64(settings.negotiationTimeout * 1000)) {
            closeStream(error: StreamError(.connectionTimeout, text: "stream negotiation took too long"))
        } else if now - lastRead > .milliseconds(Int64(settings.idleTimeout * 1000)) {
            closeStream(error: StreamError(.connectionTimeout, text: "idle for too long"))
        } else if session != nil, now - lastWrite > .milliseconds(Int64(settings.keepaliveInterval * 1000)) {
            var space = channel.allocator.buffer(capacity: 1)
            space.writeInteger(UInt8(ascii: " "))
            writeRaw(space)
        }
        // An idle stream gives back its parser memory (about 18 KiB) until it speaks again.
        if now - lastRead > Self.hibernateAfter, inbox.isEmpty, !draining, !parser.parser.isHibernating {
            inbox = Deque()
            if parser.parser.hibernate() { shared.memory.noteRelease() }
        }
    }

    /// Silence after which a connection's parser hibernates.
    static let hibernateAfter = TimeAmount.milliseconds(500)

    // MARK: Writing

    func write(_ element: XMLElement) {
        var buffer = channel.allocator.buffer(capacity: 256)
        buffer.writeXML(element, inheritedNamespace: XMPPNamespace.client)
        writeRaw(buffer)
    }

    func writeRaw(_ buffer: ByteBuffer) {
        lastWrite = .now()
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Sends the stream header and the features for the current stage (RFC 6120 §4.3.2).
    private func openStream(_ header: XMLStreamHeader) {
        guard case .awaitingHeader = phase else {
            closeStream(error: StreamError(.notWellFormed, text: "unexpected stream header"))
            return
        }
        let bytes = streamHeader()
        var buffer = channel.allocator.buffer(capacity: bytes.count + 512)
        buffer.writeBytes(bytes)
        // §4.9.1.3: a header error is reported after our own header.
        if let error = StreamHeaderCheck.error(in: header, domain: domain) {
            writeRaw(buffer)
            closeStream(error: error)
            return
        }
        buffer.writeXML(features(), inheritedNamespace: XMPPNamespace.client)
        writeRaw(buffer)
        phase = .open
    }

    /// Our stream header with a fresh stream id (RFC 6120 §4.7).
    private func streamHeader() -> [UInt8] {
        streamID = SASLEncoding.randomID(bytes: 7)  // 14 characters: a small string, no allocation
        return XMPPStreamHeader.bytes(
            contentNamespace: XMPPNamespace.client,
            attributes: [
                XMLAttribute("from", value: domain), XMLAttribute("id", value: streamID),
                XMLAttribute("version", value: "1.0"), XMLAttribute("lang", namespace: xmlNamespaceURI, value: "en"),
            ])
    }

    /// RFC 6120 §4.3.2: what may be negotiated now.
    private func features() -> XMLElement {
        var features = XMLElement(name: "features", namespace: XMPPNamespace.streams)
        if login == nil {
            if !secure && shared.tls != nil {
                var starttls = XMLElement(name: "starttls", namespace: XMPPNamespace.tls)
                if settings.requireTLS { starttls.append(XMLElement(name: "required", namespace: XMPPNamespace.tls)) }
                features.append(starttls)
            }
            if secure || !settings.requireTLS {
                var mechanisms = XMLElement(name: "mechanisms", namespace: XMPPNamespace.sasl)
                for name in offeredMechanisms {
                    mechanisms.append(text: name, in: "mechanism", namespace: XMPPNamespace.sasl)
                }
                features.append(mechanisms)
                if registrationOffered {
                    features.append(XMLElement(name: "register", namespace: XMPPNamespace.registerFeature))
                }
            }
        } else {
            features.append(XMLElement(name: "bind", namespace: XMPPNamespace.bind))
            // RFC 6121 Appendix E (legacy clients): the session IQ is optional.
            var session = XMLElement(name: "session", namespace: XMPPNamespace.session)
            session.append(XMLElement(name: "optional", namespace: XMPPNamespace.session))
            features.append(session)
            features.append(XMLElement(name: "ver", namespace: XMPPNamespace.rosterVersioning))
            features.append(XMLElement(name: "sub", namespace: XMPPNamespace.preApproval))
        }
        return features
    }

    var offeredMechanisms: [String] {
        shared.portal.mechanisms(secureTransport: secure, allowPlainWithoutTLS: settings.allowPlainWithoutTLS)
    }

    var registrationOffered: Bool {
        settings.registration && shared.accounts != nil && (secure || settings.allowPlainWithoutTLS)
    }

    /// Ends the stream: the error (if any), the closing tag (RFC 6120 §4.4), then the
    /// connection once the bytes are out.
    func closeStream(error: StreamError?) {
        guard !isClosed else { return }
        let neverOpened: Bool
        if case .awaitingHeader = phase { neverOpened = streamID.isEmpty } else { neverOpened = false }
        phase = .closed
        var buffer = channel.allocator.buffer(capacity: 256)
        if neverOpened {
            // §4.9.1.1: an error before our header still needs one.
            buffer.writeBytes(streamHeader())
        }
        if let error { buffer.writeXML(error.element, inheritedNamespace: XMPPNamespace.client) }
        buffer.writeString("</stream:stream>")
        lastWrite = .now()
        channel.writeAndFlush(buffer).whenComplete { [channel] _ in channel.close(promise: nil) }
        // Do not wait for the peer's closing tag for long (§4.4).
        channel.eventLoop.scheduleTask(in: .seconds(5)) { [channel] in channel.close(promise: nil) }
    }

    /// The model ended the session (a replacing login, a shutdown, a kick).
    func serviceClosed(with error: StreamError) {
        session = nil
        closeStream(error: error)
    }

    /// Restarts the stream after STARTTLS or SASL success (RFC 6120 §5.4.3.3, §6.4.6):
    /// the parser forgets the old stream before the next byte is read.
    func restartStream() {
        parser.parser.reset()
        phase = .awaitingHeader
    }
}
