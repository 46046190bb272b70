#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A JSON value whose objects keep their keys in the order given.
indirect enum JSON: Sendable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case null
    case object([(String, JSON)])
    case array([JSON])

    static func number(_ value: Double?, places: Int = 1) -> JSON {
        guard let value, value.isFinite else { return .null }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return .double((value * scale).rounded() / scale)
    }

    static func optional(_ value: Int?) -> JSON { value.map { .int($0) } ?? .null }

    var text: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        case .bool(let v): return v ? "true" : "false"
        case .null: return "null"
        case .string(let s): return JSON.quote(s)
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.map { JSON.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    private static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Output: one JSON object on stdout, one line for people on stderr.
enum Report {
    static func emit(_ object: JSON, human: String) {
        writeAll(1, object.text + "\n")
        note(human)
    }

    static func note(_ line: String) {
        writeAll(2, line + "\n")
    }

    private static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }
}

/// Shared progress of a run, readable from the watchdog and from the main task.
final class Progress: @unchecked Sendable {
    struct State {
        var stage = "start"
        var ready = 0
        var failed = 0
        var pending = 0
        var dropped = 0
        var delivered = 0
        var failureReasons: [String: Int] = [:]
        var firstFailure: String?
    }

    private let box = NIOLockedValueBox(State())

    func update<T>(_ body: (inout State) -> T) -> T { box.withLockedValue(body) }
    var state: State { box.withLockedValue { $0 } }

    func recordFailure(_ reason: String) {
        update { s in
            s.failed += 1
            if s.firstFailure == nil { s.firstFailure = reason }
            // Group reasons by their text without user names and numbers.
            let key = String(reason.map { $0.isNumber ? "#" : $0 }.prefix(160))
            s.failureReasons[key, default: 0] += 1
        }
    }

    var summary: String {
        let s = state
        return "stage \(s.stage): \(s.ready) ready, \(s.failed) failed, \(s.pending) pending, "
            + "\(s.dropped) dropped, \(s.delivered) delivered"
    }

    var failureJSON: JSON {
        let s = state
        return .object(s.failureReasons.sorted { $0.value > $1.value }.prefix(10).map { ($0.key, .int($0.value)) })
    }
}

/// A hard bound on the whole run: after `seconds`, print why and exit non-zero.
enum Watchdog {
    static func start(mode: String, seconds: Double, progress: Progress) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            let reason = "hard timeout after \(Int(seconds)) s (\(progress.summary))"
            Report.emit(
                .object([
                    ("mode", .string(mode)), ("ok", .bool(false)), ("error", .string(reason)),
                    ("failures", progress.failureJSON),
                ]),
                human: "xmpp-load \(mode): FAILED: \(reason)")
            exit(3)
        }
    }
}

/// Opens sessions against one server.
struct Connector: Sendable {
    var host: String
    var port: Int
    var domain: String
    var password: String
    var resource: String
    var tls: TLSMode
    var transport: Transport
    var webSocketPath: String
    var sslContext: NIOSSLContext?
    var loginTimeout: Int64

    init(common: CommonOptions) throws {
        host = common.host
        port = common.port
        domain = common.domain
        password = common.password
        resource = common.resource
        tls = common.tls
        transport = common.transport
        webSocketPath = common.webSocketPath
        loginTimeout = Int64(common.loginTimeout)
        if tls == .starttls || transport == .wss {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none  // self-signed benchmark certificates
            sslContext = try NIOSSLContext(configuration: configuration)
        }
    }

    /// Connects `user` on `loop` and logs in; the future succeeds when the session is
    /// bound and available. `attach` runs on `loop` with the new handler before any I/O.
    func open(
        user: String, on loop: EventLoop,
        attach: @escaping @Sendable (XMPPClientHandler) -> Void = { _ in }
    ) -> EventLoopFuture<Channel> {
        let ready = loop.makePromise(of: Void.self)
        let settings = SessionSettings(
            domain: domain, user: user, password: password, resource: resource, tls: tls, transport: transport,
            sslContext: sslContext, loginTimeout: loginTimeout)
        let (host, port, path, transport, sslContext) = (host, port, webSocketPath, transport, sslContext)
        let connected = ClientBootstrap(group: loop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            // A busy server's full accept queue drops SYNs, which the kernel retries after
            // 1, 3 and 7 s: allow for that before calling the connection failed.
            .connectTimeout(.seconds(min(loginTimeout, 30)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = XMPPClientHandler(settings: settings, ready: ready)
                    attach(handler)
                    if transport.isWebSocket {
                        try WebSocketClient.configure(
                            channel, host: host, port: port, path: path,
                            sslContext: transport == .wss ? sslContext : nil, handler: handler, ready: ready,
                            timeout: settings.loginTimeout)
                    } else {
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
            }
            .connect(host: host, port: port)
        connected.whenFailure { ready.fail(LoadError("connect to \(host):\(port) failed: \($0)")) }
        return connected.flatMap { channel in
            ready.futureResult.map { channel }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }
        }
    }
}

/// A chat stanza of about `size` bytes, as a client would send it.
enum ChatStanza {
    static let filler = "Hi! Are we still meeting at the station at six? I will bring the tickets and the map. "

    /// `namespace` is `Transport.stanzaNamespace` (empty over TCP).
    static func prefix(to: String, id: String, namespace: String = "") -> String {
        "<message\(namespace) type='chat' to='\(to)' id='\(id)'><body>"
    }

    static let suffix = "</body></message>"

    /// The body text that makes the whole stanza `size` bytes (at least 16 characters).
    static func body(to: String, id: String, size: Int, lead: String = "", namespace: String = "") -> String {
        let room = max(16, size - prefix(to: to, id: id, namespace: namespace).utf8.count - suffix.utf8.count)
        var text = lead
        while text.utf8.count < room { text += filler }
        return String(text.utf8.prefix(room))!
    }

    static func make(to: String, id: String, size: Int, namespace: String = "") -> String {
        prefix(to: to, id: id, namespace: namespace) + body(to: to, id: id, size: size, namespace: namespace) + suffix
    }
}

/// The median of `values` (the mean of the two middle ones for an even count); not empty.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func sleepSeconds(_ seconds: Double) async {
    try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
}
