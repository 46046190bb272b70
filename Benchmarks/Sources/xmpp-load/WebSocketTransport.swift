import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket

/// How a session reaches the server: a c2s TCP stream (optionally STARTTLS, `--tls`), or
/// XMPP over WebSocket (RFC 7395) on an HTTP listener, clear (`ws`) or over TLS from the
/// first byte (`wss`). The XMPP conversation above it is the same `XMPPClientHandler`.
enum Transport: String, Sendable, CaseIterable, ExpressibleByArgument {
    case tcp, ws, wss

    var isWebSocket: Bool { self != .tcp }

    /// The namespace attribute a top-level stanza carries: over WebSocket each message is
    /// parsed alone, so stanzas are qualified on their own (RFC 7395 §3.3.3); over TCP they
    /// inherit the stream's default namespace.
    var stanzaNamespace: String { isWebSocket ? " xmlns='jabber:client'" : "" }

    /// Opening and closing the XMPP stream: the stream header and its end tag over TCP,
    /// RFC 7395's `<open/>` (§3.4) and `<close/>` (§3.6) over WebSocket.
    func streamOpen(domain: String) -> String {
        isWebSocket
            ? "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='\(domain)' version='1.0'/>"
            : "<?xml version='1.0'?><stream:stream to='\(domain)' version='1.0' "
                + "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    }

    var streamClose: String {
        isWebSocket ? "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>" : "</stream:stream>"
    }
}

/// The WebSocket client side of a session: NIO's HTTP/1.1 client upgrade with its
/// WebSocket upgrader (`Sec-WebSocket-Protocol: xmpp`), then NIO's frame codec and
/// aggregator; `WebSocketXMPPFraming` turns text messages into the bytes the XMPP handler
/// reads and each write into one text message.
enum WebSocketClient {
    /// Largest message accepted from the server (fragments put together).
    static let maxMessageBytes = 1 << 20

    /// Sets up `channel` (not yet active) to upgrade to a WebSocket at `path` and then run
    /// `handler`; `ready` fails when the server refuses the upgrade or has not completed it
    /// within `timeout` seconds (the handler's own login timer starts only after it).
    static func configure(
        _ channel: Channel, host: String, port: Int, path: String, sslContext: NIOSSLContext?,
        handler: XMPPClientHandler, ready: EventLoopPromise<Void>, timeout: Int64
    ) throws {
        let sync = channel.pipeline.syncOperations
        if let sslContext {
            try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: nil))
        }
        let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        let upgrader = NIOTypedWebSocketClientUpgrader<Bool>(maxFrameSize: maxMessageBytes) { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers(
                    NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024,
                        maxAccumulatedFrameSize: maxMessageBytes),
                    WebSocketXMPPFraming(),
                    bound.value)
                return true
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Sec-WebSocket-Protocol", value: "xmpp")
        headers.add(name: "Content-Length", value: "0")
        let configuration = NIOTypedHTTPClientUpgradeConfiguration<Bool>(
            upgradeRequestHead: HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers),
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { $0.eventLoop.makeSucceededFuture(false) })
        let upgraded = try sync.configureUpgradableHTTPClientPipeline(
            configuration: .init(upgradeConfiguration: configuration))
        let timer = channel.eventLoop.scheduleTask(in: .seconds(timeout)) {
            ready.fail(LoadError("WebSocket upgrade of \(path) not complete after \(timeout) s"))
            channel.close(promise: nil)
        }
        upgraded.whenComplete { result in
            timer.cancel()
            switch result {
            case .success(true):
                bound.value.transportReady()
            case .success(false):
                ready.fail(LoadError("the server did not upgrade \(path) to a WebSocket"))
                channel.close(promise: nil)
            case .failure(let error):
                ready.fail(LoadError("WebSocket upgrade of \(path) failed: \(error)"))
                channel.close(promise: nil)
            }
        }
    }
}

/// Between NIO's WebSocket frames and the XMPP handler's bytes: a text message in is its
/// payload (one element, RFC 7395 §3.3.3), a buffer out is one masked text frame (RFC 6455
/// §5.3, a client masks every frame). Pings are answered; a close frame is answered and
/// ends the connection; a binary message is an error.
final class WebSocketXMPPFraming: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private var closeSent = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            context.fireChannelRead(wrapInboundOut(frame.unmaskedData))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            guard !closeSent else {
                context.close(promise: nil)
                return
            }
            closeSent = true
            let reply = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: frame.unmaskedData)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in bound.value.close(promise: nil) }
        default:
            context.fireErrorCaught(LoadError("unexpected WebSocket frame \(frame.opcode)"))
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: unwrapOutboundIn(data))
        context.write(wrapOutboundOut(frame), promise: promise)
    }
}
