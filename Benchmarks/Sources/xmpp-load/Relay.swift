import LoadSupport
import ArgumentParser
import NIOCore
import NIOPosix

/// The smallest server the workloads can run against: any PLAIN login succeeds, the
/// requested resource is bound, presence is dropped, pings are answered and messages are
/// forwarded to the full JID in `to` with a `from` added. It does no XML work beyond the
/// scanner, so a throughput run against it measures the generator's own ceiling. Not an
/// XMPP server: no TLS, no roster, no checks.
final class RelayRouter {
    // Confined to the relay's single event loop.
    var sessions: [String: RelayConnection] = [:]
    var dirty: [RelayConnection] = []
}

final class RelayConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: RelayRouter
    private let domain: String
    private var scanner = StanzaScanner()
    private var pending = ByteBuffer()
    private var context: ChannelHandlerContext?
    private var user: String?
    private var fullJID: String?
    private var fromPrefix = ByteBuffer()
    private var isDirty = false

    init(router: RelayRouter, domain: String) {
        self.router = router
        self.domain = domain
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelInactive(context: ChannelHandlerContext) {
        if let fullJID, router.sessions[fullJID] === self { router.sessions[fullJID] = nil }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }

    private func send(_ string: String) {
        context?.write(wrapOutboundOut(ByteBuffer(string: string)), promise: nil)
        markDirty()
    }

    private func markDirty() {
        if !isDirty {
            isDirty = true
            router.dirty.append(self)
        }
    }

    func flushIfDirty() {
        isDirty = false
        context?.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if pending.readableBytes == 0 { pending = incoming } else { pending.writeBuffer(&incoming) }
        while case .some(let item) = pending.withUnsafeReadableBytes({ scanner.next($0) }) {
            switch item {
            case .streamOpened(let length):
                pending.moveReaderIndex(forwardBy: length)
                let features = user == nil
                    ? "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>"
                    : "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                    + "from='\(domain)' id='relay' version='1.0'><stream:features>\(features)</stream:features>")
            case .element(let kind, let length):
                let element = pending.readSlice(length: length)!
                handle(kind, element)
            case .streamClosed, .malformed:
                context.close(promise: nil)
                return
            }
        }
        // Keep no read buffer between reads: an idle session then holds no buffer at all.
        if pending.readableBytes == 0 { pending = ByteBuffer() } else if pending.readerIndex > 65_536 { pending.discardReadBytes() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        let dirty = router.dirty
        router.dirty.removeAll(keepingCapacity: true)
        for connection in dirty { connection.flushIfDirty() }
        context.fireChannelReadComplete()
    }

    private func handle(_ kind: StanzaScanner.Kind, _ element: ByteBuffer) {
        switch kind {
        case .message:
            let target = element.withUnsafeReadableBytes { StanzaView.attribute("to", in: $0) }.map(String.init)
            guard let target, let connection = router.sessions[target] else { return }
            // Forward as `<message from='…'` + the rest of the original start tag and body.
            var rest = element
            guard let open = rest.withUnsafeReadableBytes({ StanzaView.find(Array("<message".utf8), in: $0, from: 0) }) else { return }
            rest.moveReaderIndex(forwardBy: open + 8)
            connection.forward(prefix: fromPrefix, rest: rest)
        case .other:
            // SASL <auth>: take the user name from the PLAIN message and succeed.
            element.withUnsafeReadableBytes { bytes in
                guard StanzaView.contains("<auth", in: bytes) else { return }
                guard let start = StanzaView.find([UInt8(ascii: ">")], in: bytes, from: 0),
                      let end = StanzaView.find(Array("</auth>".utf8), in: bytes, from: start) else { return }
                let decoded = Base64.decode(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(start + 1)..<end]), as: UTF8.self))
                let parts = decoded.split(separator: 0, omittingEmptySubsequences: false)
                user = parts.count >= 2 ? String(decoding: parts[1], as: UTF8.self) : "anonymous"
            }
            send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
            scanner.reset()
        case .iq:
            element.withUnsafeReadableBytes { bytes in
                let id = StanzaView.attribute("id", in: bytes).map(String.init) ?? ""
                if StanzaView.contains("urn:ietf:params:xml:ns:xmpp-bind", in: bytes) {
                    var resource = "r"
                    if let a = StanzaView.find(Array("<resource>".utf8), in: bytes, from: 0),
                       let b = StanzaView.find(Array("</resource>".utf8), in: bytes, from: a) {
                        resource = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(a + 10)..<b]), as: UTF8.self)
                    }
                    let jid = "\(user ?? "anonymous")@\(domain)/\(resource)"
                    fullJID = jid
                    fromPrefix = ByteBuffer(string: "<message from='\(jid)'")
                    router.sessions[jid] = self
                    send("<iq type='result' id='\(id)'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>\(jid)</jid></bind></iq>")
                } else {
                    send("<iq type='result' id='\(id)'/>")
                }
            }
        default:
            break  // presence and anything else: dropped
        }
    }

    private func forward(prefix: ByteBuffer, rest: ByteBuffer) {
        guard let context else { return }
        context.write(wrapOutboundOut(prefix), promise: nil)
        context.write(wrapOutboundOut(rest), promise: nil)
        markDirty()
    }
}

extension Base64 {
    static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            default: continue
            }
            accumulator = accumulator << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}

struct Relay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A minimal relay server (any login, message forwarding) to measure this generator's own ceiling.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port; 0 picks a free one (printed as JSON on stdout).") var port: Int = 0
    @Option(help: "XMPP domain.") var domain = "localhost"
    @Option(help: "Seconds to run before exiting by itself.") var duration: Double = 600

    func run() async throws {
        ProcessStats.raiseFileLimit()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let router = try await loop.submit { NIOLoopBound(RelayRouter(), eventLoop: loop) }.get()
        let domain = self.domain
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RelayConnection(router: router.value, domain: domain))
                }
            }
            .bind(host: host, port: port).get()
        let bound = channel.localAddress?.port ?? port
        Report.emit(.object([("mode", .string("relay")), ("ok", .bool(true)), ("host", .string(host)), ("port", .int(bound))]),
                    human: "xmpp-load relay: listening on \(host):\(bound) for \(Int(duration)) s")
        await sleepSeconds(duration)
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}
