import Foundation
import IRCTestSupport
import Logging
import NIOPosix
import ParleyCore
import ParleyCred
import ParleyLauncher
import ServiceLifecycle

@testable import IRCServerPlugin

/// An `irc-server` in this process on 127.0.0.1 with free plain and TLS ports, a flat-file
/// store (alice/alicepw, bob/bobpw) in a temporary directory and a self-signed certificate;
/// PLAIN is allowed without TLS unless `configure` says otherwise. Stopped by `stop()`.
final class ServerHarness: @unchecked Sendable {
    let directory: String
    let store: FlatFileStore
    let chat: ChatService
    let service: IRCServerService
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let port: Int
    let tlsPort: Int?
    static let domain = "example.test"

    init(
        accounts: [(String, String)] = [("alice", "alicepw"), ("bob", "bobpw")],
        configure: (inout IRCServerSettings) -> Void = { _ in },
        chatConfiguration: (inout ChatServiceConfiguration) -> Void = { _ in }
    ) async throws {
        directory = NSTemporaryDirectory() + "parley-irc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.irc")
        logger.logLevel = .error
        store = try FlatFileStore(directory: directory, iterations: 4096, logger: logger)
        for (user, password) in accounts { try store.addAccount(Username(user)!, password: password) }
        var chatSettings = ChatServiceConfiguration(domain: Self.domain)
        chatConfiguration(&chatSettings)
        chat = ChatService(configuration: chatSettings, contacts: store, logger: logger)
        let portal = Portal(realm: ChatRealm(service: chat), checkers: [store], logger: logger)
        var settings = IRCServerSettings()
        settings.port = 0
        settings.tlsPort = 0
        settings.allowPlainWithoutTLS = true
        configure(&settings)
        let context = PluginContext(
            chat: chat, portal: portal, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            storageDirectory: directory, logger: logger)
        service = try IRCServerPlugin.makeService(settings: settings, context: context, logger: logger)
        group = ServiceGroup(services: [service], logger: logger)
        let group = self.group
        task = Task { try await group.run() }
        var bound: Int?
        for _ in 0..<500 {
            bound = service.port()
            if bound != nil, settings.tlsPort == nil || service.port("tls-port") != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let bound else { throw HarnessError.notListening }
        port = bound
        tlsPort = service.port("tls-port")
    }

    enum HarnessError: Error { case notListening }

    /// A connected, unregistered client on the plain port (or the TLS port).
    func client(tls: Bool = false) async throws -> IRCTestClient {
        try await IRCTestClient(port: tls ? tlsPort! : port, tls: tls)
    }

    /// A client registered through SASL PLAIN as `account` with nick `nick`.
    func registered(_ nick: String, account: String? = nil, password: String? = nil, caps: [String] = []) async throws
        -> IRCTestClient
    {
        let client = try await client()
        let account = account ?? nick
        try await client.register(nick: nick, sasl: (account, password ?? account + "pw"), caps: caps)
        try await client.waitFor("376")
        return client
    }

    func stop() async {
        await chat.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}
