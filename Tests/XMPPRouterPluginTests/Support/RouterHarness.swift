import XMPPTestSupport
import Foundation
import Logging
import NIOPosix
import ParleyCore
import ParleyCred
import ParleyXMPP
import ParleyLauncher
import ServiceLifecycle

@testable import XMPPC2SPlugin
@testable import XMPPRouterPlugin

/// The chat model with an `xmpp-c2s` listener and an `xmpp-router` in this process, both
/// on 127.0.0.1 port 0 and built from plugin options the way `parleyd --config` builds
/// them; accounts in a flat-file store in a temporary directory. Stopped by graceful
/// shutdown.
final class RouterHarness: @unchecked Sendable {
    static let domain = "example.test"
    let directory: String
    let chat: ChatService
    let router: RouterService
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let routerPort: Int
    let c2sPort: Int

    /// `components` is the router's option text; `router` adds or overrides options.
    init(
        components: String = "echo.example.test=s3cret,web.example.test=w3b,other.example.test=0ther",
        router options: [String: String] = [:],
        accounts: [(String, String)] = [("alice", "alicepw"), ("bob", "bobpw")]
    ) async throws {
        directory = NSTemporaryDirectory() + "parley-router-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.router")
        logger.logLevel = .error
        let store = try FlatFileStore(directory: directory, iterations: 4096, logger: logger)
        for (user, password) in accounts { try store.addAccount(Username(user)!, password: password) }
        chat = ChatService(configuration: ChatServiceConfiguration(domain: Self.domain), contacts: store, logger: logger)
        let portal = Portal(realm: ChatRealm(service: chat), checkers: [store], logger: logger)
        let context = PluginContext(
            chat: chat, portal: portal, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, storageDirectory: directory,
            logger: logger)
        let c2sOptions = try PluginOptions(
            ["port": "0", "require-tls": "false", "allow-plain-without-tls": "true", "auth-failure-delay": "0.05"],
            declared: XMPPC2SPlugin.options)
        guard let c2s = try XMPPC2SPlugin.makeService(options: c2sOptions, context: context) as? C2SService else {
            throw HarnessError.notListening
        }
        var given = ["port": "0", "components": components]
        given.merge(options) { _, new in new }
        let routerOptions = try PluginOptions(given, declared: XMPPRouterPlugin.options)
        guard let router = try XMPPRouterPlugin.makeService(options: routerOptions, context: context) as? RouterService else {
            throw HarnessError.notARouter
        }
        self.router = router
        group = ServiceGroup(services: [c2s, router], logger: logger)
        let group = self.group
        task = Task { try await group.run() }
        routerPort = try await Self.waitForPort { router.port() }
        c2sPort = try await Self.waitForPort { c2s.port() }
    }

    enum HarnessError: Error { case notListening, notARouter }

    private static func waitForPort(_ read: () -> Int?) async throws -> Int {
        for _ in 0..<500 {
            if let port = read() { return port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HarnessError.notListening
    }

    /// A component of this router that has completed its handshake.
    func component(_ domain: String = "echo.example.test", secret: String = "s3cret", receiveBuffer: Int? = nil)
        async throws -> XMPPTestClient
    {
        try await XMPPTestClient.component(port: routerPort, domain: domain, secret: secret, receiveBuffer: receiveBuffer)
    }

    /// A connection to the router that has not opened its stream.
    func routerConnection() async throws -> XMPPTestClient { try await XMPPTestClient(port: routerPort) }

    /// A c2s user logged in with initial presence sent.
    func user(_ name: String = "alice", _ password: String = "alicepw", resource: String = "test") async throws
        -> (XMPPTestClient, JID)
    {
        let client = try await XMPPTestClient(port: c2sPort, domain: Self.domain)
        let jid = try await client.login(name, password, resource: resource, tls: false)
        return (client, jid)
    }

    /// Waits until the chat model has (or no longer has) a component on `domain`.
    func waitForComponent(_ domain: String, attached: Bool = true) async throws {
        for _ in 0..<500 {
            if chat.hasComponent(for: domain) == attached { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw XMPPTestClient.Timeout(waitingFor: "\(domain) to be \(attached ? "attached" : "detached")")
    }

    func stop() async {
        await chat.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}
