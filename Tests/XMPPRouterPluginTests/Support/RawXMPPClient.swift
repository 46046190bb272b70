import Foundation
import NIOCore
import NIOPosix
import ParleyCred
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Testing

/// A scripted raw XMPP peer for tests: writes literal XML, reads parsed stream events. It
/// speaks both sides a router meets: an external component (XEP-0114) and a c2s client
/// (plain TCP, SASL PLAIN; the harness allows it without TLS).
final class RawXMPPClient: @unchecked Sendable {
    enum Event: Sendable {
        case xml(XMLStreamEvent)
        case failed(String)
        case closed
    }

    let channel: any Channel
    let parser: XMLStreamParser
    private let byteCounter = ByteCounter()
    /// Raw bytes received so far (whitespace keepalives included).
    var bytesReceived: Int { byteCounter.count }
    private var iterator: AsyncStream<Event>.Iterator
    private var pending: Event?

    static let group = MultiThreadedEventLoopGroup.singleton

    /// Connects to 127.0.0.1:`port`; `receiveBuffer` shrinks the socket's receive buffer
    /// (a peer that stops reading then fills the server's queue quickly).
    init(port: Int, receiveBuffer: Int? = nil) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self)
        let parser = XMLStreamParser(limits: XMLLimits(maxStanzaBytes: 1 << 22, maxTextBytes: 1 << 22))
        self.parser = parser
        var bootstrap = ClientBootstrap(group: Self.group)
        if let receiveBuffer { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer)) }
        channel = try await bootstrap
            .channelInitializer { [byteCounter] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(byteCounter)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(XMPPStreamDecoder(parser: parser)))
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation: continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        iterator = stream.makeAsyncIterator()
    }

    final class ByteCounter: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private let lock = NSLock()
        private var total = 0
        var count: Int { lock.withLock { total } }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data).readableBytes
            lock.withLock { total += bytes }
            context.fireChannelRead(data)
        }
    }

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = XMLStreamEvent
        let continuation: AsyncStream<Event>.Continuation
        init(continuation: AsyncStream<Event>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(.xml(unwrapInboundIn(data)))
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            continuation.yield(.failed("\(error)"))
        }
        func channelInactive(context: ChannelHandlerContext) {
            continuation.yield(.closed)
            continuation.finish()
        }
    }

    func send(_ text: String) {
        send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Sends and waits until the bytes are handed to the socket.
    func sendAndWait(_ text: String) async throws {
        var buffer = channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        try await channel.writeAndFlush(buffer)
    }

    /// Stops or resumes reading from the socket (a component that stops reading).
    func setReading(_ on: Bool) async throws {
        try await channel.setOption(ChannelOptions.autoRead, value: on)
        if on { channel.read() }
    }

    struct Timeout: Error, CustomStringConvertible {
        let waitingFor: String
        var description: String { "timed out waiting for \(waitingFor)" }
    }

    struct Unexpected: Error, CustomStringConvertible {
        let waitingFor: String
        let got: String
        var description: String { "waiting for \(waitingFor), got \(got)" }
    }

    /// The next event, within `seconds`.
    func next(_ what: String = "an event", seconds: Double = 10) async throws -> Event {
        if let pending {
            self.pending = nil
            return pending
        }
        let box = IteratorBox(iterator)
        let result = try await withThrowingTaskGroup(of: Event?.self) { group in
            group.addTask { await box.next() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        iterator = box.iterator
        guard let result else { throw Timeout(waitingFor: what) }
        return result
    }

    final class IteratorBox: @unchecked Sendable {
        var iterator: AsyncStream<Event>.Iterator
        init(_ iterator: AsyncStream<Event>.Iterator) { self.iterator = iterator }
        func next() async -> Event? { await iterator.next() ?? .closed }
    }

    /// The next top-level element; fails on anything else.
    func element(_ what: String = "an element", seconds: Double = 10) async throws -> XMLElement {
        switch try await next(what, seconds: seconds) {
        case .xml(.element(let element)): return element
        case let other: throw Unexpected(waitingFor: what, got: "\(other)")
        }
    }

    /// Elements until one satisfies `match` (others are skipped), within `seconds`.
    func element(where what: String, seconds: Double = 10, _ match: (XMLElement) -> Bool) async throws -> XMLElement {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Timeout(waitingFor: what) }
            let element = try await element(what, seconds: left)
            if match(element) { return element }
        }
    }

    /// The server's stream header.
    func header(seconds: Double = 10) async throws -> XMLStreamHeader {
        switch try await next("the stream header", seconds: seconds) {
        case .xml(.streamStart(let header)): return header
        case let other: throw Unexpected(waitingFor: "the stream header", got: "\(other)")
        }
    }

    /// Expects the server's stream error with `condition` (after its header, if that comes
    /// first), then the end of the stream; returns the error's text.
    @discardableResult
    func expectStreamError(_ condition: String, seconds: Double = 10) async throws -> String {
        let first = try await next("a stream header or error", seconds: seconds)
        if case .xml(.streamStart) = first {} else { pending = first }
        let error = try await element(where: "stream error \(condition)", seconds: seconds) {
            $0.name == "error" && $0.namespace == XMPPNamespace.streams
        }
        #expect(error.firstChild(named: condition, namespace: XMPPNamespace.streamErrors) != nil, "\(error)")
        try await expectClosed()
        return error.firstChild(named: "text", namespace: XMPPNamespace.streamErrors)?.text ?? ""
    }

    /// Expects `</stream:stream>` and the connection to close.
    func expectClosed(seconds: Double = 10) async throws {
        var sawEnd = false
        while true {
            switch try await next("the end of the stream", seconds: seconds) {
            case .xml(.streamEnd): sawEnd = true
            case .closed:
                #expect(sawEnd, "the connection closed without </stream:stream>")
                return
            case .failed: continue
            case .xml(let other): Issue.record("unexpected \(other) while waiting for the end")
            }
        }
    }

    /// Reads until the connection closes, whatever comes; returns the elements seen.
    func elementsUntilClosed(seconds: Double = 20) async throws -> [XMLElement] {
        var seen: [XMLElement] = []
        while true {
            switch try await next("the end of the connection", seconds: seconds) {
            case .xml(.element(let element)): seen.append(element)
            case .closed: return seen
            case .xml, .failed: continue
            }
        }
    }

    // MARK: Component side (XEP-0114)

    /// Opens a component stream asking for `domain`; returns the router's header.
    func openComponentStream(_ domain: String, namespace: String = XMPPNamespace.component) async throws -> XMLStreamHeader {
        send(
            "<?xml version='1.0'?><stream:stream xmlns='\(namespace)' xmlns:stream='http://etherx.jabber.org/streams' to='\(domain)'>"
        )
        return try await header()
    }

    /// Opens the stream and sends the handshake for `secret`; returns the router's answer.
    func handshake(_ domain: String, secret: String) async throws -> XMLElement {
        let header = try await openComponentStream(domain)
        guard let id = header.attribute("id") else { throw Unexpected(waitingFor: "a stream id", got: "\(header)") }
        send("<handshake>\(ComponentHandshake.digest(streamID: id, secret: secret))</handshake>")
        return try await element("the handshake answer")
    }

    /// A component that has completed its handshake.
    static func component(port: Int, domain: String, secret: String, receiveBuffer: Int? = nil) async throws -> RawXMPPClient {
        let client = try await RawXMPPClient(port: port, receiveBuffer: receiveBuffer)
        let answer = try await client.handshake(domain, secret: secret)
        guard answer.name == "handshake", answer.namespace == XMPPNamespace.component, answer.children.isEmpty else {
            throw Unexpected(waitingFor: "<handshake/>", got: "\(answer)")
        }
        return client
    }

    // MARK: Client side (RFC 6120, no TLS)

    /// Logs in with PLAIN on a clear stream, binds `resource` and sends initial presence.
    @discardableResult
    func login(_ user: String, _ password: String, domain: String, resource: String = "test") async throws -> JID {
        try await openClientStream(domain)
        let payload = SASLEncoding.base64(Array("\0\(user)\0\(password)".utf8))
        send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(payload)</auth>")
        let answer = try await element("SASL answer")
        guard answer.name == "success" else { throw Unexpected(waitingFor: "SASL success", got: "\(answer)") }
        try await channel.eventLoop.submit { [parser] in parser.reset() }.get()
        try await openClientStream(domain)
        send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>\(resource)</resource></bind></iq>")
        let result = try await element("bind result")
        guard let text = result.firstChild(named: "bind")?.firstChild(named: "jid")?.text, let jid = JID(text) else {
            throw Unexpected(waitingFor: "bound JID", got: "\(result)")
        }
        send("<presence/>")
        return jid
    }

    private func openClientStream(_ domain: String) async throws {
        send(
            "<?xml version='1.0'?><stream:stream to='\(domain)' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
        )
        _ = try await header()
        let features = try await element("features")
        guard features.name == "features" else { throw Unexpected(waitingFor: "features", got: "\(features)") }
    }

    /// Sends an IQ and waits for the answer with the same id.
    func iq(_ xml: String, id: String) async throws -> XMLElement {
        send(xml)
        return try await element(where: "iq \(id)") { $0.name == "iq" && $0[attribute: "id"] == id }
    }

    func close() async {
        try? await channel.close()
    }
}
