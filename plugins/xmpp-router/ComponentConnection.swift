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
    nonisolated var eventLoop: any EventLoop { channel.eventLoop }
    nonisolated let outbox: ComponentOutbox

    let shared: RouterShared

    /// The XEP-0114 stream: header, handshake, then stanzas.
    var stream: ComponentAcceptState
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
        let secrets = shared.settings.secrets
        stream = ComponentAcceptState(secret: { secrets.secret(for: $0) })
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

    var isClosed: Bool { stream.isClosed }

    // MARK: Inbound events (called by XMPPStreamChannelHandler on the event loop)

    func receive(_ event: XMLStreamEvent) {
        switch stream.received(event) {
        case .send(let bytes):
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            channel.writeAndFlush(buffer, promise: nil)
        case .verified(let domain):
            attach(domain)
        case .stanza(let element, let domain):
            stanza(element, domain: domain)
        case .close(let error):
            if let error, !stream.isAuthenticated { log(.info, "component stream refused", ["error": "\(error)"]) }
            closeStream(error: error)
        case .none:
            break
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

    // MARK: Attaching the domain (XEP-0114 §3)

    /// The handshake matched: take the domain, unless another holder serves it.
    private func attach(_ domain: String) {
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
        stream.attached()
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
        guard let bytes = stream.closingBytes(error: error) else { return }
        end()
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
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
        stream.abandon()
        if let domain, let link {
            shared.unregister(domain, outbox)
            link.detach()
            self.link = nil
            log(.notice, "component detached")
        }
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
        guard stream.isAuthenticated else {
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
