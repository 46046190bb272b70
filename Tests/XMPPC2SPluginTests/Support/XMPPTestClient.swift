import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import ParleyCred
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Testing

/// A scripted raw XMPP client for tests: writes literal XML, reads parsed stream events,
/// and can upgrade to TLS with STARTTLS (no certificate check: the test server's is
/// self-signed).
final class XMPPTestClient: @unchecked Sendable {
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
    private let events: AsyncStream<Event>
    private var iterator: AsyncStream<Event>.Iterator
    let domain: String

    static let group = MultiThreadedEventLoopGroup.singleton

    init(port: Int, domain: String = "example.test") async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self)
        let parser = XMLStreamParser(limits: XMLLimits(maxStanzaBytes: 1 << 22))
        self.parser = parser
        self.domain = domain
        channel = try await ClientBootstrap(group: Self.group)
            .channelInitializer { [byteCounter] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(byteCounter)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(XMPPStreamDecoder(parser: parser)))
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation: continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        events = stream
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

    func send(_ text: String) {
        send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    struct Timeout: Error, CustomStringConvertible {
        let waitingFor: String
        var description: String { "timed out waiting for \(waitingFor)" }
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
            let first = try await group.next()!
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

    struct Unexpected: Error, CustomStringConvertible {
        let waitingFor: String
        let got: String
        var description: String { "waiting for \(waitingFor), got \(got)" }
    }

    /// Expects the server's stream error with `condition`, then the end of the stream.
    func expectStreamError(_ condition: String, seconds: Double = 10) async throws {
        if case .xml(.streamStart)? = try? await peekHeader(seconds: seconds) {}
        let error = try await element(where: "stream error \(condition)", seconds: seconds) {
            $0.name == "error" && $0.namespace == XMPPNamespace.streams
        }
        #expect(error.firstChild(named: condition, namespace: XMPPNamespace.streamErrors) != nil, "\(error)")
        try await expectClosed()
    }

    /// Skips the server's stream header when it comes first (an error before our header).
    private var pending: Event?

    private func peekHeader(seconds: Double) async throws -> Event? {
        let event = try await next("a stream header or error", seconds: seconds)
        if case .xml(.streamStart) = event { return event }
        pending = event
        return event
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

    // MARK: Negotiation

    /// Opens (or restarts) the stream; returns the features.
    @discardableResult
    func openStream(to: String? = nil) async throws -> XMLElement {
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

    func startTLS() async throws {
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
    func authPlain(_ user: String, _ password: String) async throws -> XMLElement {
        let payload = SASLEncoding.base64(Array("\0\(user)\0\(password)".utf8))
        send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(payload)</auth>")
        let answer = try await element("SASL answer", seconds: 15)
        if answer.name == "success" { try await channel.eventLoop.submit { [parser] in parser.reset() }.get() }
        return answer
    }

    func bind(_ resource: String?) async throws -> JID {
        let inner = resource.map { "<resource>\($0)</resource>" } ?? ""
        send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\(inner)</bind></iq>")
        let result = try await element("bind result")
        guard let text = result.firstChild(named: "bind")?.firstChild(named: "jid")?.text, let jid = JID(text) else {
            throw Unexpected(waitingFor: "bound JID", got: "\(result)")
        }
        return jid
    }

    /// STARTTLS, PLAIN, bind, and optionally initial presence.
    @discardableResult
    func login(_ user: String, _ password: String, resource: String? = "test", tls: Bool = true, presence: String? = "<presence/>")
        async throws -> JID
    {
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
    func iq(_ xml: String, id: String) async throws -> XMLElement {
        send(xml)
        return try await element(where: "iq \(id)") { $0.name == "iq" && $0[attribute: "id"] == id }
    }

    /// Everything the server sends until the answer to a ping: proves what did not arrive.
    func elementsUntilPing(_ id: String = "sync") async throws -> [XMLElement] {
        send("<iq type='get' id='\(id)'><ping xmlns='urn:xmpp:ping'/></iq>")
        var seen: [XMLElement] = []
        while true {
            let element = try await element("the ping answer \(id)")
            if element.name == "iq" && element[attribute: "id"] == id { return seen }
            seen.append(element)
        }
    }

    func close() async {
        try? await channel.close()
    }
}
