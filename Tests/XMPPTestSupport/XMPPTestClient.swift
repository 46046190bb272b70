import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import ParleyCred
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Testing

/// A scripted raw XMPP peer for tests: writes literal XML, reads parsed stream events. It
/// speaks both sides a server meets: a c2s client (optionally upgrading with STARTTLS, no
/// certificate check: the test server's is self-signed; or SASL PLAIN on a clear stream
/// where the harness allows it) and an external component (XEP-0114).
public final class XMPPTestClient: @unchecked Sendable {
    /// What the reader saw: a stream event, a pipeline error, or the end of the connection.
    public enum Event: Sendable {
        case xml(XMLStreamEvent)
        case failed(String)
        case closed
    }

    public let channel: any Channel
    public let parser: XMLStreamParser
    private let byteCounter = ByteCounter()
    /// Raw bytes received so far (whitespace keepalives included).
    public var bytesReceived: Int { byteCounter.count }
    private var iterator: AsyncStream<Event>.Iterator
    /// An event read ahead (a stream error before the header) and handed out next.
    private var pending: Event?
    /// The domain the client's streams are addressed to by default.
    public let domain: String

    static let group = MultiThreadedEventLoopGroup.singleton

    /// Connects to 127.0.0.1:`port`; `receiveBuffer` shrinks the socket's receive buffer
    /// (a peer that stops reading then fills the server's queue quickly).
    public init(port: Int, domain: String = "example.test", receiveBuffer: Int? = nil) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self)
        let parser = XMLStreamParser(limits: XMLLimits(maxStanzaBytes: 1 << 22, maxTextBytes: 1 << 22))
        self.parser = parser
        self.domain = domain
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

    /// Counts the bytes of every read (before TLS is added in front of it, the count is raw).
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

    public func send(_ text: String) {
        send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Sends and waits until the bytes are handed to the socket.
    public func sendAndWait(_ text: String) async throws {
        var buffer = channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        try await channel.writeAndFlush(buffer)
    }

    /// Stops or resumes reading from the socket (a component that stops reading).
    public func setReading(_ on: Bool) async throws {
        try await channel.setOption(ChannelOptions.autoRead, value: on)
        if on { channel.read() }
    }

    /// Nothing came within the time allowed.
    public struct Timeout: Error, CustomStringConvertible {
        public let waitingFor: String
        public init(waitingFor: String) { self.waitingFor = waitingFor }
        public var description: String { "timed out waiting for \(waitingFor)" }
    }

    /// Something other than what the script expected came.
    public struct Unexpected: Error, CustomStringConvertible {
        public let waitingFor: String
        public let got: String
        public init(waitingFor: String, got: String) {
            self.waitingFor = waitingFor
            self.got = got
        }
        public var description: String { "waiting for \(waitingFor), got \(got)" }
    }

    /// The next event, within `seconds`.
    public func next(_ what: String = "an event", seconds: Double = 10) async throws -> Event {
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
    public func element(_ what: String = "an element", seconds: Double = 10) async throws -> XMLElement {
        switch try await next(what, seconds: seconds) {
        case .xml(.element(let element)): return element
        case let other: throw Unexpected(waitingFor: what, got: "\(other)")
        }
    }

    /// Elements until one satisfies `match` (others are skipped), within `seconds`.
    public func element(where what: String, seconds: Double = 10, _ match: (XMLElement) -> Bool) async throws -> XMLElement {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Timeout(waitingFor: what) }
            let element = try await element(what, seconds: left)
            if match(element) { return element }
        }
    }

    /// The server's stream header.
    public func header(seconds: Double = 10) async throws -> XMLStreamHeader {
        switch try await next("the stream header", seconds: seconds) {
        case .xml(.streamStart(let header)): return header
        case let other: throw Unexpected(waitingFor: "the stream header", got: "\(other)")
        }
    }

    /// Expects the server's stream error with `condition` (after its header, if that comes
    /// first), then the end of the stream; returns the error's text.
    @discardableResult
    public func expectStreamError(_ condition: String, seconds: Double = 10) async throws -> String {
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
    public func expectClosed(seconds: Double = 10) async throws {
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
    public func elementsUntilClosed(seconds: Double = 20) async throws -> [XMLElement] {
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
    public func openComponentStream(_ domain: String, namespace: String = XMPPNamespace.component) async throws
        -> XMLStreamHeader
    {
        send(
            "<?xml version='1.0'?><stream:stream xmlns='\(namespace)' xmlns:stream='http://etherx.jabber.org/streams' to='\(domain)'>"
        )
        return try await header()
    }

    /// Opens the stream and sends the handshake for `secret`; returns the router's answer.
    public func handshake(_ domain: String, secret: String) async throws -> XMLElement {
        let header = try await openComponentStream(domain)
        guard let id = header.attribute("id") else { throw Unexpected(waitingFor: "a stream id", got: "\(header)") }
        send("<handshake>\(ComponentHandshake.digest(streamID: id, secret: secret))</handshake>")
        return try await element("the handshake answer")
    }

    /// A component that has completed its handshake.
    public static func component(port: Int, domain: String, secret: String, receiveBuffer: Int? = nil) async throws
        -> XMPPTestClient
    {
        let client = try await XMPPTestClient(port: port, receiveBuffer: receiveBuffer)
        let answer = try await client.handshake(domain, secret: secret)
        guard answer.name == "handshake", answer.namespace == XMPPNamespace.component, answer.children.isEmpty else {
            throw Unexpected(waitingFor: "<handshake/>", got: "\(answer)")
        }
        return client
    }

    // MARK: Client side (RFC 6120)

    /// Opens (or restarts) the stream; returns the features.
    @discardableResult
    public func openStream(to: String? = nil) async throws -> XMLElement {
        send(
            "<?xml version='1.0'?><stream:stream to='\(to ?? domain)' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
        )
        guard case .xml(.streamStart(let header)) = try await next("the stream header") else {
            throw Unexpected(waitingFor: "stream header", got: "something else")
        }
        #expect(header.attribute("from") == domain)
        let features = try await element("features")
        #expect(features.name == "features")
        return features
    }

    public func startTLS() async throws {
        send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        let proceed = try await element("proceed")
        #expect(proceed.name == "proceed", "\(proceed)")
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        let context = try NIOSSLContext(configuration: configuration)
        let parser = self.parser
        try await channel.eventLoop.submit { [channel] in
            parser.reset()
            try channel.pipeline.syncOperations.addHandler(
                try NIOSSLClientHandler(context: context, serverHostname: nil), position: .first)
        }.get()
    }

    /// SASL PLAIN; returns the server's answer element (`success` or `failure`).
    public func authPlain(_ user: String, _ password: String) async throws -> XMLElement {
        let payload = SASLEncoding.base64(Array("\0\(user)\0\(password)".utf8))
        send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(payload)</auth>")
        let answer = try await element("SASL answer", seconds: 15)
        if answer.name == "success" { try await channel.eventLoop.submit { [parser] in parser.reset() }.get() }
        return answer
    }

    public func bind(_ resource: String?) async throws -> JID {
        let inner = resource.map { "<resource>\($0)</resource>" } ?? ""
        send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\(inner)</bind></iq>")
        let result = try await element("bind result")
        guard let text = result.firstChild(named: "bind")?.firstChild(named: "jid")?.text, let jid = JID(text) else {
            throw Unexpected(waitingFor: "bound JID", got: "\(result)")
        }
        return jid
    }

    /// STARTTLS (unless `tls` is false: PLAIN on a clear stream), PLAIN, bind, and
    /// optionally initial presence.
    @discardableResult
    public func login(
        _ user: String, _ password: String, resource: String? = "test", tls: Bool = true, presence: String? = "<presence/>"
    ) async throws -> JID {
        try await openStream()
        if tls {
            try await startTLS()
            try await openStream()
        }
        let answer = try await authPlain(user, password)
        guard answer.name == "success" else { throw Unexpected(waitingFor: "SASL success", got: "\(answer)") }
        let features = try await openStream()
        #expect(features.firstChild(named: "bind", namespace: XMPPNamespace.bind) != nil)
        let jid = try await bind(resource)
        if let presence { send(presence) }
        return jid
    }

    /// Sends an IQ and waits for the answer with the same id.
    public func iq(_ xml: String, id: String) async throws -> XMLElement {
        send(xml)
        return try await element(where: "iq \(id)") { $0.name == "iq" && $0[attribute: "id"] == id }
    }

    /// Everything the server sends until the answer to a ping: proves what did not arrive.
    public func elementsUntilPing(_ id: String = "sync") async throws -> [XMLElement] {
        send("<iq type='get' id='\(id)'><ping xmlns='urn:xmpp:ping'/></iq>")
        var seen: [XMLElement] = []
        while true {
            let element = try await element("the ping answer \(id)")
            if element.name == "iq" && element[attribute: "id"] == id { return seen }
            seen.append(element)
        }
    }

    public func close() async {
        try? await channel.close()
    }
}
