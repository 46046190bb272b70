import Foundation
import NIOCore
import NIOPosix
import ParleyCred
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization

/// A tiny XEP-0114 accept side on 127.0.0.1, port 0, for the connector's tests: it sends
/// a stream header with a fresh id, checks the handshake with `ComponentHandshake`
/// (`<handshake/>` or `not-authorized`), records every stanza of an authenticated
/// stream, and can send stanzas, send raw bytes or drop the connection.
final class AcceptSideServer: Sendable {
    struct Record {
        /// TCP connections accepted.
        var connections = 0
        /// Handshakes received, right or wrong.
        var handshakes = 0
        /// Handshakes accepted.
        var accepted = 0
        /// Stanzas received on authenticated streams, in order.
        var stanzas: [XMLElement] = []
        /// Stanzas received before the handshake (must stay empty).
        var early: [XMLElement] = []
        /// Streams the component closed with `</stream:stream>`.
        var closedByComponent = 0
        /// Stream errors the component sent.
        var streamErrors: [String] = []
        /// Whitespace keepalive bytes seen on authenticated streams.
        var keepalives = 0
    }

    let domain: String
    private let secret: Mutex<String>
    private let record = Mutex(Record())
    private let current = Mutex<(any Channel)?>(nil)
    private let server: any Channel

    var port: Int { server.localAddress?.port ?? 0 }

    init(domain: String = "echo.localhost", secret: String = "s3cret") async throws {
        self.domain = domain
        self.secret = Mutex(secret)
        let box = Box()
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let server = box.server else { throw CancellationError() }
                    let decoder = ConnectionParser(limits: .default).makeDecoder()
                    try channel.pipeline.syncOperations.addHandler(Sniffer(server: server))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
                    try channel.pipeline.syncOperations.addHandler(Connection(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        box.server = self
    }

    /// Lets the child initializer reach the server once `init` is done.
    private final class Box: @unchecked Sendable {
        weak var server: AcceptSideServer?
    }

    var snapshot: Record { record.withLock { $0 } }

    func setSecret(_ value: String) { secret.withLock { $0 = value } }

    /// Sends `xml` on the authenticated stream.
    func send(_ xml: String) throws {
        guard let channel = current.withLock({ $0 }) else { throw TestFailure("no authenticated component") }
        channel.writeAndFlush(ByteBuffer(string: xml), promise: nil)
    }

    /// Closes the component's TCP connection without a stream error or closing tag.
    func dropConnection() {
        current.withLock { channel in
            channel?.close(promise: nil)
            channel = nil
        }
    }

    func stop() async {
        dropConnection()
        try? await server.close()
    }

    /// Waits (polling every 10 ms, at most `timeout` seconds) until `condition` holds on the
    /// record; throws with `what` otherwise.
    func waitUntil(_ what: String, timeout: Double = 10, _ condition: (Record) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(snapshot) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("timed out waiting for \(what); record: \(snapshot)")
    }

    /// Counts reads that are only whitespace on an authenticated stream (keepalives).
    private final class Sniffer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        let server: AcceptSideServer

        init(server: AcceptSideServer) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            if buffer.readableBytes > 0, buffer.readableBytesView.allSatisfy({ $0 == UInt8(ascii: " ") }),
                server.current.withLock({ $0 === context.channel })
            {
                server.record.withLock { $0.keepalives += 1 }
            }
            context.fireChannelRead(data)
        }
    }

    /// One component connection.
    private final class Connection: ChannelInboundHandler {
        typealias InboundIn = XMLStreamEvent
        let server: AcceptSideServer
        var streamID = ""
        var authenticated = false

        init(server: AcceptSideServer) {
            self.server = server
        }

        func channelActive(context: ChannelHandlerContext) {
            server.record.withLock { $0.connections += 1 }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .streamStart:
                streamID = UUID().uuidString
                write(
                    context,
                    "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
                        + "xmlns:stream='http://etherx.jabber.org/streams' from='\(server.domain)' id='\(streamID)'>")
            case .element(let element) where element.name == "handshake":
                let secret = server.secret.withLock { $0 }
                let right = ComponentHandshake.verify(element.text, streamID: streamID, secret: secret)
                server.record.withLock {
                    $0.handshakes += 1
                    if right { $0.accepted += 1 }
                }
                if right {
                    authenticated = true
                    server.current.withLock { $0 = context.channel }
                    write(context, "<handshake/>")
                } else {
                    write(
                        context,
                        "<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
                            + "</stream:stream>")
                    context.close(promise: nil)
                }
            case .element(let element) where element.name == "error" && element.namespace == XMPPNamespace.streams:
                let condition = element.elements.first?.name ?? "?"
                server.record.withLock { $0.streamErrors.append(condition) }
            case .element(let element):
                let authenticated = self.authenticated
                server.record.withLock {
                    if authenticated { $0.stanzas.append(element) } else { $0.early.append(element) }
                }
            case .streamEnd:
                server.record.withLock { $0.closedByComponent += 1 }
                write(context, "</stream:stream>")
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        private func write(_ context: ChannelHandlerContext, _ text: String) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        }
        typealias OutboundOut = ByteBuffer
    }
}

/// A failure with a message, for test helpers.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
