import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import ParleyIRC
import ParleyIRCNIO
import Synchronization

/// A scripted raw IRC client for tests: connects to 127.0.0.1 (optionally over TLS without
/// certificate checks), sends lines as given and waits for replies by command or numeric.
/// Every line received is kept in `received`, in order.
public final class IRCTestClient: @unchecked Sendable {
    /// One thing that happened on the connection.
    public enum Event: Sendable {
        case message(IRCMessage)
        /// A line that did not parse, as text.
        case unparsable(String)
        case closed
    }

    public let channel: any Channel
    private let inbox: Inbox
    /// Every message received so far (also those skipped by `waitFor`).
    public private(set) var received: [IRCMessage] = []
    /// Whether the server closed the connection (seen by `next`).
    public private(set) var isClosed = false

    static let group = MultiThreadedEventLoopGroup.singleton

    /// Connects to `port`; `tls` wraps the connection in TLS without verifying the
    /// certificate; `receiveBuffer` shrinks the socket's receive buffer (a client that
    /// stops reading then fills the server's queue quickly).
    public init(port: Int, host: String = "127.0.0.1", tls: Bool = false, receiveBuffer: Int? = nil) async throws {
        let inbox = Inbox()
        self.inbox = inbox
        let sslContext: NIOSSLContext?
        if tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            sslContext = try NIOSSLContext(configuration: configuration)
        } else {
            sslContext = nil
        }
        var bootstrap = ClientBootstrap(group: Self.group)
        if let receiveBuffer { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer)) }
        channel = try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(IRCLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(Collector(inbox: inbox))
                }
            }
            .connect(host: host, port: port).get()
    }

    /// Events received and not yet consumed (a timeout never loses one).
    final class Inbox: Sendable {
        private let events = Mutex<[Event]>([])
        func append(_ event: Event) { events.withLock { $0.append(event) } }
        func pop() -> Event? { events.withLock { $0.isEmpty ? nil : $0.removeFirst() } }
    }

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = IRCLine
        let inbox: Inbox
        init(inbox: Inbox) { self.inbox = inbox }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let line = unwrapInboundIn(data)
            if let message = try? line.message() {
                inbox.append(.message(message))
            } else {
                inbox.append(.unparsable(line.decoded().text))
            }
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
        func channelInactive(context: ChannelHandlerContext) {
            inbox.append(.closed)
        }
    }

    // MARK: Sending

    /// Sends `line` followed by CR LF.
    /// Stops or resumes reading from the socket (a client that stops reading).
    public func setReading(_ on: Bool) async throws {
        try await channel.setOption(ChannelOptions.autoRead, value: on)
        if on { channel.read() }
    }

    public func send(_ line: String) {
        sendRaw(Array(line.utf8) + [0x0D, 0x0A])
    }

    /// Sends several lines in one write.
    public func send(lines: [String]) {
        sendRaw(lines.flatMap { Array($0.utf8) + [0x0D, 0x0A] })
    }

    /// Sends bytes exactly as given (no CR LF added).
    public func sendRaw(_ bytes: [UInt8]) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Closes the connection from the client side.
    public func close() async {
        try? await channel.close()
    }

    // MARK: Waiting

    /// Nothing matching arrived in time.
    public struct Timeout: Error, CustomStringConvertible {
        public let waitingFor: String
        public let received: [String]
        public var description: String {
            "timed out waiting for \(waitingFor); received:\n" + received.suffix(30).joined(separator: "\n")
        }
    }

    /// The connection closed before something matching arrived.
    public struct Closed: Error, CustomStringConvertible {
        public let waitingFor: String
        public let received: [String]
        public var description: String {
            "connection closed while waiting for \(waitingFor); received:\n" + received.suffix(30).joined(separator: "\n")
        }
    }

    /// The next event, or nil after `seconds` (polls the inbox every few milliseconds).
    public func next(seconds: Double = 5) async -> Event? {
        if isClosed { return .closed }
        let deadline = Date().addingTimeInterval(seconds)
        var result = inbox.pop()
        while result == nil, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(5))
            result = inbox.pop()
        }
        switch result {
        case .message(let message)?: received.append(message)
        case .closed?: isClosed = true
        default: break
        }
        return result
    }

    /// Skips messages until one with `command` (a word or a numeric like `"433"`) that
    /// also satisfies `match`; throws on timeout or close.
    @discardableResult
    public func waitFor(
        _ command: String, timeout: Double = 5, where match: (IRCMessage) -> Bool = { _ in true }
    ) async throws -> IRCMessage {
        try await waitUntil(command, timeout: timeout, matching: { $0.command == command && match($0) })
    }

    /// Skips messages until one satisfies `match`; `what` names it in errors.
    @discardableResult
    public func waitUntil(_ what: String, timeout: Double = 5, matching match: (IRCMessage) -> Bool) async throws -> IRCMessage {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Timeout(waitingFor: what, received: received.map { $0.serialized() }) }
            switch await next(seconds: left) {
            case .message(let message)? where match(message): return message
            case .closed?: throw Closed(waitingFor: what, received: received.map { $0.serialized() })
            default: continue
            }
        }
    }

    /// Waits until the server closes the connection; returns the ERROR text if one came.
    @discardableResult
    public func waitForClose(timeout: Double = 5) async throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while !isClosed {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Timeout(waitingFor: "the connection to close", received: received.map { $0.serialized() }) }
            _ = await next(seconds: left)
        }
        return received.last { $0.command == "ERROR" }?.parameters.first
    }

    /// Collects every message for `seconds` (for checking that something did not happen).
    public func drain(seconds: Double) async -> [IRCMessage] {
        let start = received.count
        let deadline = Date().addingTimeInterval(seconds)
        while !isClosed {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { break }
            _ = await next(seconds: left)
        }
        return Array(received[start...])
    }

    // MARK: Registration helpers

    /// Registers: optional CAP negotiation (`caps`), SASL PLAIN (`sasl` = account and
    /// password), PASS, NICK and USER; waits for 001 (or throws with what came instead).
    @discardableResult
    public func register(
        nick: String, user: String? = nil, realname: String = "Test Client", pass: String? = nil,
        sasl: (account: String, password: String)? = nil, caps: [String] = []
    ) async throws -> IRCMessage {
        var requested = caps
        if sasl != nil, !requested.contains("sasl") { requested.append("sasl") }
        if !requested.isEmpty {
            send("CAP LS 302")
            try await waitFor("CAP") { $0.parameters.count >= 2 && $0.parameters[1] == "LS" }
            send("CAP REQ :" + requested.joined(separator: " "))
            try await waitFor("CAP") { $0.parameters.count >= 2 && $0.parameters[1] == "ACK" }
        }
        if let pass { send("PASS " + pass) }
        send("NICK " + nick)
        send("USER \(user ?? nick) 0 * :\(realname)")
        if let sasl {
            send("AUTHENTICATE PLAIN")
            try await waitFor("AUTHENTICATE")
            send("AUTHENTICATE " + Self.plainResponse(account: sasl.account, password: sasl.password))
            try await waitFor("903")
        }
        if !requested.isEmpty { send("CAP END") }
        return try await waitFor("001")
    }

    /// The base64 SASL PLAIN response (RFC 4616 §2) for `account`.
    public static func plainResponse(account: String, password: String, authzid: String = "") -> String {
        Data(Array(authzid.utf8) + [0] + Array(account.utf8) + [0] + Array(password.utf8)).base64EncodedString()
    }
}
