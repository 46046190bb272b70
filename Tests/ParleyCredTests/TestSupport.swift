import Foundation
import Logging
import ParleyCore
import Synchronization
import Testing

@testable import ParleyCred

/// Iteration count used by tests: the smallest the store accepts, to keep tests quick.
let testIterations = 4096

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/parley-cred-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Collects log lines for assertions.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        Logger(label: "test") { _ in CapturingLogHandler(capture: self) }
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        capture.append("\(event.level) \(event.message) \(fields.joined(separator: " "))")
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}

/// A realm for tests: the avatar records who it is and which mind it got; logouts are
/// counted per user.
final class TestRealm: Realm, Sendable {
    struct Avatar: Sendable, Equatable {
        var user: Username
        var mind: String
    }

    private let logouts = Mutex<[Username: Int]>([:])
    let refuse: Set<String>

    init(refuse: Set<String> = []) {
        self.refuse = refuse
    }

    func requestAvatar(for user: Username, mind: String) async throws -> (
        avatar: Avatar, logout: @Sendable () async -> Void
    ) {
        if refuse.contains(user.value) { throw CredentialError.accountDisabled(user) }
        return (Avatar(user: user, mind: mind), { self.logouts.withLock { $0[user, default: 0] += 1 } })
    }

    func logoutCount(_ user: Username) -> Int { logouts.withLock { $0[user] ?? 0 } }
}

/// A checker with scripted answers that records every call.
final class ScriptedChecker: CredentialChecker, Sendable {
    let name: String
    let accepted: [any Credentials.Type]
    let answer: @Sendable (any Credentials) throws(CredentialError) -> Username
    private let calls = Mutex(0)

    init(
        _ name: String, accepts: [any Credentials.Type] = [UsernamePassword.self],
        answer: @escaping @Sendable (any Credentials) throws(CredentialError) -> Username
    ) {
        self.name = name
        self.accepted = accepts
        self.answer = answer
    }

    var acceptedCredentials: [any Credentials.Type] { accepted }
    var callCount: Int { calls.withLock { $0 } }

    func check(_ credentials: any Credentials) async throws(CredentialError) -> Username {
        calls.withLock { $0 += 1 }
        return try answer(credentials)
    }
}

func user(_ name: String) -> Username { Username(name)! }

func base64(_ text: String) -> [UInt8] { [UInt8](Data(base64Encoded: text)!) }

/// Runs a whole SCRAM exchange between `client` and a fresh server against `portal`.
/// Returns the server's last action and the client's verdict on it.
func runSCRAM<R: Realm>(
    client: inout SCRAMClient, portal: Portal<R>, mind: R.Mind, unknownUserIterations: Int = testIterations
) async throws -> (final: SCRAMServer.Action, clientError: SCRAMClientError?) {
    var server = SCRAMServer(algorithm: client.algorithm, unknownUserIterations: unknownUserIterations)
    var action = server.receiveClientFirst(client.clientFirst())
    if case .fetchRecord(let name) = action {
        do {
            action = server.receiveRecord(try await portal.scramRecord(for: name, algorithm: client.algorithm))
        } catch {
            action = server.receiveRecord(.failure(error))
        }
    }
    guard case .challenge(let serverFirst) = action else { return (action, nil) }
    action = server.receiveClientFinal(try client.receiveServerFirst(serverFirst))
    guard case .verify(let proof) = action else { return (action, nil) }
    do {
        let login = try await portal.login(proof, mind: mind)
        action = server.receiveVerification(.success(login.avatarID))
    } catch {
        action = server.receiveVerification(.failure(error))
    }
    switch action {
    case .succeed(let final):
        do { try client.receiveServerFinal(final) } catch { return (action, error) }
    case .fail(_, let final?):
        do { try client.receiveServerFinal(final) } catch { return (action, error) }
    default:
        break
    }
    return (action, nil)
}
