import DequeModule
import Logging
import NIOCore
import ParleyCore
import ParleyServerNIO
import ParleyCred
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// One external component's connection (XEP-0114, accept side): the stream header, the
/// handshake, and then the component's stanzas, each checked and routed — straight to
/// another component of this router (the fast path), or into the chat model.
///
/// The actor runs on the channel's event loop, so the NIO handler hands it events
/// synchronously: a stanza between two components is forwarded within the read that
/// brought it, with no task and no hop. Stanzas for the model wait in `inbox` (bounded:
/// the router stops reading from a component that sends faster than the model takes).
final actor ComponentConnection: XMPPStreamConnection {
    nonisolated let channel: any Channel
    nonisolated var unownedExecutor: UnownedSerialExecutor { channel.eventLoop.executor.asUnownedSerialExecutor() }
    nonisolated let outbox: ComponentOutbox

    let shared: RouterShared

    enum Phase {
        /// Waiting for the component's stream header.
        case awaitingHeader
        /// Header answered; waiting for `<handshake/>` over `streamID`.
        case awaitingHandshake(domain: String)
        /// Handshake done: the component serves `domain`.
        case authenticated(domain: String)
        /// The stream is closing or closed; nothing more is processed.
        case closed
    }
    var phase = Phase.awaitingHeader
    /// The id of our stream header (XEP-0114 §3: the handshake digest covers it).
    var streamID = ""
    /// The domain once the component has authenticated (kept after closing, for logs).
    var domain: String?
    var link: LocalComponentLink?
    var gate: FloodGate

    /// Stanzas for the chat model, in order, with the element each came from (for errors);
    /// congested at `inbound-queue-limit`.
    var inbox: SerialInbox<(ComponentTraffic, XMLElement)>
    /// Destinations whose queues are congested: reading pauses until each has drained.
    var blockedOn: Set<ObjectIdentifier> = []
    /// The last destination looked up in the route table, valid for one table version.
    struct RouteCache {
        let domain: String
        let outbox: ComponentOutbox?
        let version: Int
    }
    var routeCache: RouteCache?
    /// Since when the outbox has been congested without progress, and at what progress.
    private var stall: (progress: Int, since: NIODeadline)?
    private var readingPaused = false
    private let openedAt = NIODeadline.now()

    init(channel: any Channel, shared: RouterShared) {
        self.channel = channel
        self.shared = shared
        outbox = ComponentOutbox(channel: channel, codec: shared.codec, limit: shared.settings.queueLimitBytes)
        gate = FloodGate(rate: shared.settings.maxStanzasPerSecond, now: NIODeadline.now().uptimeNanoseconds)
        inbox = SerialInbox(limit: shared.settings.inboundQueueLimit)
    }

    /// Logs with the peer and the domain, built only when the line is written.
    func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message, _ metadata: Logger.Metadata = [:]) {
        let logger = shared.logger
        guard logger.logLevel <= level else { return }
        var all = metadata
        all["peer"] = "\(channel.remoteAddress?.description ?? "?")"
        if let domain { all["domain"] = "\(domain)" }
        logger.log(level: level, message(), metadata: all)
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    // MARK: Inbound events (called by XMPPStreamChannelHandler on the event loop)

    func receive(_ event: XMLStreamEvent) {
        switch (phase, event) {
        case (.closed, _):
            return
        case (.awaitingHeader, .streamStart(let header)):
            openStream(header)
        case (.awaitingHandshake(let domain), .element(let element)):
            handshake(element, domain: domain)
        case (.authenticated(let domain), .element(let element)):
            stanza(element, domain: domain)
        case (_, .streamEnd):
            // RFC 6120 §4.4: the component closed its stream; close ours and the connection.
            closeStream(error: nil)
        case (_, .streamStart):
            closeStream(error: StreamError(.notWellFormed, text: "unexpected stream header"))
        case (.awaitingHeader, .element):
            closeStream(error: StreamError(.notWellFormed, text: "a stanza before the stream header"))
        }
    }

    /// The parser or the transport failed: a parser failure carries its stream error
    /// (`not-well-formed`, `restricted-xml`, `policy-violation` for the limits).
    func failed(_ error: any Error) {
        if let streamError = error as? StreamError {
            log(.info, "component stream error", ["error": "\(streamError)"])
            closeStream(error: streamError)
        } else {
            log(.debug, "component connection error", ["error": "\(error)"])
            end()
            channel.close(promise: nil)
        }
    }

    /// The outbound queue crossed its limit: the component is not reading.
    func overflowed() {
        guard !isClosed else { return }
        log(.notice, "component cut off: it does not read", ["limit": "\(shared.settings.queueLimitBytes)"])
        closeStream(
            error: StreamError(
                .policyViolation, text: "more than \(shared.settings.queueLimitBytes) bytes waiting: the component is not reading"),
            waitForPeer: false)
    }

    /// The outbound queue signals its overflow through the pipeline.
    nonisolated func userInboundEvent(_ event: Any) -> Bool {
        guard event is ComponentOutbox.QueueOverflow else { return false }
        assumeIsolated { $0.overflowed() }
        return true
    }

    /// The TCP connection is gone (closed by either side, or dropped mid-stanza).
    nonisolated func channelInactive() {
        assumeIsolated { $0.inactive() }
    }

    private func inactive() {
        if !isClosed { log(.info, "component disconnected") }
        end()
        shared.connections.forget(self)
    }

    // MARK: Stream header and handshake (XEP-0114 §2, §3)

    private func openStream(_ header: XMLStreamHeader) {
        switch AcceptStreamCheck.domain(in: header, secrets: shared.settings.secrets) {
        case .success(let domain):
            var buffer = channel.allocator.buffer(capacity: 256)
            buffer.writeBytes(streamHeader(from: domain))
            channel.writeAndFlush(buffer, promise: nil)
            phase = .awaitingHandshake(domain: domain)
        case .failure(let error):
            // RFC 6120 §4.9.1.2: a header error is reported after our own header.
            var buffer = channel.allocator.buffer(capacity: 256)
            buffer.writeBytes(streamHeader(from: header.attribute("to").flatMap(JID.init)?.domain))
            channel.writeAndFlush(buffer, promise: nil)
            log(.info, "component stream refused", ["error": "\(error)"])
            closeStream(error: error)
        }
    }

    /// Our stream header with a fresh random id (XEP-0114 §2).
    private func streamHeader(from domain: String?) -> [UInt8] {
        streamID = SASLEncoding.randomID(bytes: 8)
        var attributes = [XMLAttribute("id", value: streamID)]
        if let domain { attributes.insert(XMLAttribute("from", value: domain), at: 0) }
        return XMPPStreamHeader.bytes(contentNamespace: XMPPNamespace.component, attributes: attributes)
    }

    private func handshake(_ element: XMLElement, domain: String) {
        guard element.name == "handshake", element.namespace == XMPPNamespace.component else {
            closeStream(error: StreamError(.notAuthorized, text: "send <handshake/> first"))
            return
        }
        // §3: hex(SHA-1(stream id + secret)), compared in constant time.
        let digest = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let secret = shared.settings.secrets.secret(for: domain),
            ComponentHandshake.verify(digest, streamID: streamID, secret: secret)
        else {
            log(.notice, "component handshake failed", ["requested": "\(domain)"])
            closeStream(error: StreamError(.notAuthorized, text: "the handshake does not match the secret of \(domain)"))
            return
        }
        // A domain already served (by another connection, or an in-process component)
        // stays with its holder: the newcomer is refused, never handed the domain.
        let link: LocalComponentLink
        do {
            link = try shared.chat.attachComponent(domain: domain, handler: outbox)
        } catch {
            log(.notice, "component refused: domain taken", ["requested": "\(domain)"])
            closeStream(error: StreamError(.conflict, text: "\(domain) is already connected; the existing component keeps it"))
            return
        }
        guard shared.register(domain, outbox) else {
            link.detach()
            closeStream(error: StreamError(.conflict, text: "\(domain) is already connected; the existing component keeps it"))
            return
        }
        self.link = link
        self.domain = domain
        phase = .authenticated(domain: domain)
        var reply = channel.allocator.buffer(capacity: 16)
        reply.writeString("<handshake/>")
        outbox.open(first: reply, link: link)
        log(.notice, "component connected")
    }

    // MARK: Closing

    /// Ends the stream: the error (if any), the closing tag (RFC 6120 §4.4), then the
    /// connection once the bytes are out — at once when `waitForPeer` is false (a
    /// component that does not read would never take them).
    func closeStream(error: StreamError?, waitForPeer: Bool = true) {
        guard !isClosed else { return }
        let neverOpened = streamID.isEmpty
        end()
        var buffer = channel.allocator.buffer(capacity: 256)
        if neverOpened { buffer.writeBytes(streamHeader(from: nil)) }
        if let error { buffer.writeXML(error.element, inheritedNamespace: XMPPNamespace.component) }
        buffer.writeString("</stream:stream>")
        let channel = self.channel
        guard waitForPeer else {
            channel.writeAndFlush(buffer, promise: nil)
            channel.close(promise: nil)
            return
        }
        channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
        // Do not wait for the peer's closing tag for long (§4.4).
        channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    /// Leaves the route tables and closes the outbox (which bounces what waits in it).
    private func end() {
        if case .authenticated(let domain) = phase {
            shared.unregister(domain, outbox)
            link?.detach()
            log(.notice, "component detached")
        }
        phase = .closed
        outbox.close()
        blockedOn.removeAll()
    }

    // MARK: Reading and timers

    /// Reading pauses while the model inbox is congested or a destination is.
    func updateReading() {
        let pause = inbox.isCongested || !blockedOn.isEmpty
        guard pause != readingPaused else { return }
        readingPaused = pause
        ReadPause.set(pause, on: channel)
    }

    /// Handshake timeout and keepalives; called by the loop's `LoopSweeper`.
    func tick() {
        guard !isClosed else { return }
        let now = NIODeadline.now()
        guard case .authenticated = phase else {
            if now - openedAt > .nanoseconds(Int64(shared.settings.handshakeTimeout * 1e9)) {
                log(.info, "component handshake timed out")
                closeStream(error: StreamError(.connectionTimeout, text: "no handshake within \(shared.settings.handshakeTimeout) s"))
            }
            return
        }
        // A congested queue that the socket does not drain: the component stopped reading,
        // and the components forwarding to it wait; cut it off so they can go on.
        if outbox.holdsBackSenders {
            let progress = outbox.progress
            if let stall, stall.progress == progress {
                if now - stall.since > .nanoseconds(Int64(shared.settings.stallTimeout * 1e9)) {
                    log(.notice, "component cut off: it does not read", ["stalled": "\(shared.settings.stallTimeout)"])
                    closeStream(
                        error: StreamError(
                            .policyViolation, text: "no byte read for \(shared.settings.stallTimeout) s with the queue full"),
                        waitForPeer: false)
                    return
                }
            } else {
                stall = (progress, now)
            }
        } else {
            stall = nil
        }
        // RFC 6120 §4.6.1: whitespace keeps an idle stream's NATs and peers informed.
        let idle = now.uptimeNanoseconds &- outbox.lastWriteTime
        if Double(idle) > shared.settings.keepaliveInterval * 1e9 {
            var space = channel.allocator.buffer(capacity: 1)
            space.writeInteger(UInt8(ascii: " "))
            try? outbox.enqueue(space)
        }
    }
}
