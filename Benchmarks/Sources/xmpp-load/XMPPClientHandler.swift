import NIOCore
import NIOPosix
import NIOSSL

/// A failure with a reason meant for people.
struct LoadError: Error, CustomStringConvertible {
    var reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}

enum TLSMode: String, Sendable, CaseIterable {
    case none, starttls
}

/// What one client session needs to log in.
struct SessionSettings: Sendable {
    var domain: String
    var user: String
    var password: String
    var resource: String
    var tls: TLSMode
    var transport: Transport
    var sslContext: NIOSSLContext?
    /// Seconds from connect to a bound, available resource.
    var loginTimeout: Int64
}

/// Receives a ready session's traffic; called on the session's event loop only.
protocol SessionObserver: AnyObject {
    func received(message bytes: UnsafeRawBufferPointer, on session: XMPPClientHandler)
    func readComplete(on session: XMPPClientHandler)
    func closed(_ session: XMPPClientHandler, reason: String)
    /// A presence, or an iq the server sends, once the session is ready (`kind` says which).
    func received(stanza kind: StanzaScanner.Kind, bytes: UnsafeRawBufferPointer, on session: XMPPClientHandler)
}

extension SessionObserver {
    /// Workloads that only count messages ignore presences and iqs.
    func received(stanza kind: StanzaScanner.Kind, bytes: UnsafeRawBufferPointer, on session: XMPPClientHandler) {}
}

/// One raw XMPP client session: stream header, optional STARTTLS, SASL PLAIN, stream
/// restart, resource binding, initial presence, then a ping round trip as a barrier so
/// that "ready" means the server has processed the presence. After that it hands each
/// `<message/>` to its observer. A thin handler: the only state is the login phase.
final class XMPPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Stage { case initial, afterTLS, afterAuth }
    private enum Phase: CustomStringConvertible {
        case connecting
        case features(Stage)
        case proceed
        case sasl
        case bind
        case session
        case readyBarrier
        case ready
        case closed

        var description: String {
            switch self {
            case .connecting: "connect"
            case .features(.initial): "stream features"
            case .features(.afterTLS): "stream features after TLS"
            case .features(.afterAuth): "stream features after SASL"
            case .proceed: "STARTTLS"
            case .sasl: "SASL PLAIN"
            case .bind: "resource binding"
            case .session: "session establishment"
            case .readyBarrier: "initial presence"
            case .ready: "ready"
            case .closed: "closed"
            }
        }
    }

    let settings: SessionSettings
    private let readyPromise: EventLoopPromise<Void>
    private var readyCompleted = false
    private var phase = Phase.connecting
    private var scanner: StanzaScanner
    private var pending = ByteBuffer()
    private var context: ChannelHandlerContext?
    private var sessionRequired = false
    private var loginTimer: Scheduled<Void>?
    /// Set by a workload when the session is ready; called on this event loop.
    weak var observer: SessionObserver?
    /// Whether the workload is closing on purpose (so closure is not an error).
    var closingOnPurpose = false

    init(settings: SessionSettings, ready: EventLoopPromise<Void>) {
        self.settings = settings
        self.readyPromise = ready
        self.scanner = StanzaScanner(framed: settings.transport.isWebSocket)
        self.ns = settings.transport.stanzaNamespace
    }

    /// `xmlns='jabber:client'` over WebSocket, nothing over TCP (`Transport.stanzaNamespace`).
    private let ns: String

    // MARK: Sending (event loop only)

    func send(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    /// Sends `</stream:stream>` (`<close/>` over WebSocket) and closes.
    func closeStream() {
        guard let context else { return }
        closingOnPurpose = true
        if case .closed = phase { return }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: settings.transport.streamClose)))
            .whenComplete { _ in bound.value.close(promise: nil) }
    }

    private func sendString(_ string: String) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: string)), promise: nil)
    }

    private func sendStreamHeader() {
        sendString(settings.transport.streamOpen(domain: settings.domain))
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let timeout = settings.loginTimeout
        loginTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(timeout)) { [weak self] in
            guard let self, !self.readyCompleted else { return }
            self.fail("login not complete after \(timeout) s (phase: \(self.phase))")
        }
        // Over WebSocket the handler joins the pipeline while the HTTP upgrade is still
        // being completed; the stream opens once it is (`transportReady`).
        if context.channel.isActive && !settings.transport.isWebSocket { start(context: context) }
    }

    /// The WebSocket upgrade is complete: the stream can open.
    func transportReady() {
        if let context { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        loginTimer?.cancel()
        finishReady(.failure(LoadError("handler removed during \(phase)")))
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard case .connecting = phase else { return }
        phase = .features(.initial)
        sendStreamHeader()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let was = phase
        phase = .closed
        loginTimer?.cancel()
        if !readyCompleted {
            finishReady(.failure(LoadError("connection closed by the server during \(was)")))
        } else if !closingOnPurpose {
            observer?.closed(self, reason: "connection closed by the server")
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail("\(error) during \(phase)")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if pending.readableBytes == 0 {
            pending = incoming
        } else {
            pending.writeBuffer(&incoming)
        }
        while case .some(let item) = pending.withUnsafeReadableBytes({ scanner.next($0) }) {
            switch item {
            case .streamOpened(let length):
                pending.moveReaderIndex(forwardBy: length)
            case .element(let kind, let length):
                let element = pending.readSlice(length: length)!
                element.withUnsafeReadableBytes { handle(kind, $0, context: context) }
            case .streamClosed:
                fail("the server closed the stream during \(phase)")
                return
            case .malformed(let reason):
                fail("unreadable input during \(phase): \(reason)")
                return
            }
            if case .closed = phase { return }
        }
        if pending.readableBytes == 0 {
            pending.clear()
        } else if pending.readerIndex > 65_536 {
            pending.discardReadBytes()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .ready = phase { observer?.readComplete(on: self) }
        context.fireChannelReadComplete()
    }

    // MARK: The login conversation

    private func handle(_ kind: StanzaScanner.Kind, _ bytes: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        if case .ready = phase {
            switch kind {
            case .message:
                observer?.received(message: bytes, on: self)
            case .iq:
                answerServerIQ(bytes)
                observer?.received(stanza: kind, bytes: bytes, on: self)
            case .presence:
                observer?.received(stanza: kind, bytes: bytes, on: self)
            case .streamError:
                fail("stream error: \(excerpt(bytes))")
            default:
                break
            }
            return
        }
        if kind == .streamError {
            fail("stream error during \(phase): \(excerpt(bytes))")
            return
        }
        switch (phase, kind) {
        case (.features(.initial), .features):
            if settings.tls == .starttls {
                guard StanzaView.contains("<starttls", in: bytes) else {
                    fail("the server does not offer STARTTLS: \(excerpt(bytes))")
                    return
                }
                phase = .proceed
                sendString("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            } else {
                authenticate(features: bytes)
            }
        case (.proceed, .proceed):
            guard let sslContext = settings.sslContext else {
                fail("no TLS context")
                return
            }
            do {
                let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: nil)
                try context.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                fail("TLS set-up failed: \(error)")
                return
            }
            restartStream(next: .features(.afterTLS))
        case (.proceed, .failure):
            fail("STARTTLS refused: \(excerpt(bytes))")
        case (.features(.afterTLS), .features):
            authenticate(features: bytes)
        case (.sasl, .success):
            restartStream(next: .features(.afterAuth))
        case (.sasl, .failure):
            fail("authentication failed for \(settings.user): \(excerpt(bytes))")
        case (.features(.afterAuth), .features):
            guard StanzaView.contains("urn:ietf:params:xml:ns:xmpp-bind", in: bytes) else {
                fail("no resource binding offered: \(excerpt(bytes))")
                return
            }
            // RFC 6121 leaves session establishment out; old servers may still require it.
            sessionRequired = StanzaView.contains("urn:ietf:params:xml:ns:xmpp-session", in: bytes)
                && !StanzaView.contains("<optional", in: bytes)
            phase = .bind
            sendString(
                "<iq\(ns) type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                    + "<resource>\(settings.resource)</resource></bind></iq>")
        case (.bind, .iq) where StanzaView.attribute("id", in: bytes) == "bind":
            guard StanzaView.attribute("type", in: bytes) == "result" else {
                fail("resource binding refused: \(excerpt(bytes))")
                return
            }
            if sessionRequired {
                phase = .session
                sendString("<iq\(ns) type='set' id='sess'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
            } else {
                becomeAvailable()
            }
        case (.session, .iq) where StanzaView.attribute("id", in: bytes) == "sess":
            guard StanzaView.attribute("type", in: bytes) == "result" else {
                fail("session establishment refused: \(excerpt(bytes))")
                return
            }
            becomeAvailable()
        case (.readyBarrier, .iq) where StanzaView.attribute("id", in: bytes) == "ready":
            // A result or an error: either way the server has handled everything before it.
            phase = .ready
            loginTimer?.cancel()
            finishReady(.success(()))
        case (_, .iq):
            answerServerIQ(bytes)
        default:
            break  // presence, messages before ready, whitespace: not part of the login
        }
    }

    private func authenticate(features: UnsafeRawBufferPointer) {
        guard StanzaView.contains(">PLAIN<", in: features) else {
            fail("the server does not offer SASL PLAIN here: \(excerpt(features))")
            return
        }
        phase = .sasl
        let credentials = Array("\0\(settings.user)\0\(settings.password)".utf8)
        sendString(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(Base64.encode(credentials))</auth>")
    }

    private func restartStream(next: Phase) {
        scanner.reset()
        pending.clear()
        phase = next
        sendStreamHeader()
    }

    private func becomeAvailable() {
        phase = .readyBarrier
        // Two writes: over WebSocket each is one message, and a message holds one element.
        send(ByteBuffer(string: "<presence\(ns)/>"))
        sendString("<iq\(ns) type='get' id='ready'><ping xmlns='urn:xmpp:ping'/></iq>")
    }

    /// Answers an iq get/set from the server (a ping, a disco query) with an empty result,
    /// so that a server which checks liveness does not drop idle sessions.
    private func answerServerIQ(_ bytes: UnsafeRawBufferPointer) {
        guard let type = StanzaView.attribute("type", in: bytes), type == "get" || type == "set",
              let id = StanzaView.attribute("id", in: bytes) else { return }
        let to = StanzaView.attribute("from", in: bytes).map { " to='\($0)'" } ?? ""
        sendString("<iq\(ns) type='result' id='\(id)'\(to)/>")
    }

    // MARK: Failure

    private func fail(_ reason: String) {
        if case .closed = phase {
            finishReady(.failure(LoadError(reason)))
            return
        }
        let wasReady = readyCompleted
        phase = .closed
        loginTimer?.cancel()
        finishReady(.failure(LoadError(reason)))
        if wasReady && !closingOnPurpose { observer?.closed(self, reason: reason) }
        context?.close(promise: nil)
    }

    private func finishReady(_ result: Result<Void, Error>) {
        guard !readyCompleted else { return }
        readyCompleted = true
        readyPromise.completeWith(result)
    }

    private func excerpt(_ bytes: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = self[...]
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// Standard base64 with padding (RFC 4648 §4), for the SASL PLAIN message.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
