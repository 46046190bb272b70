import Foundation
import Logging
import NIOPosix
import ParleyCore
import ParleyCred
import ParleyLauncher
import ParleyXMPP
import ServiceLifecycle
import XMPPTestSupport

@testable import XMPPC2SPlugin
@testable import XMPPS2SPlugin

/// One XMPP domain in this process: the chat model with `xmpp-c2s` and `xmpp-s2s` on
/// 127.0.0.1, built from plugin options the way `parleyd --config` builds them, with
/// accounts in a flat-file store in a temporary directory.
final class S2SWorld: @unchecked Sendable {
    let domain: String
    let directory: String
    let chat: ChatService
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let c2sPort: Int
    let s2sPort: Int
    /// The s2s listener (for `reload()`, as SIGHUP does).
    let s2s: any Service

    /// `s2sPort` is chosen by the caller (the other world's `hosts` names it before either starts).
    init(domain: String, s2sPort: Int, s2s options: [String: String], accounts: [(String, String)]) async throws {
        self.domain = domain
        self.s2sPort = s2sPort
        directory = NSTemporaryDirectory() + "parley-s2s-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.s2s.\(domain)")
        logger.logLevel = .error
        let store = try FlatFileStore(directory: directory, iterations: 4096, logger: logger)
        for (user, password) in accounts { try store.addAccount(Username(user)!, password: password) }
        chat = ChatService(configuration: ChatServiceConfiguration(domain: domain), contacts: store, logger: logger)
        let portal = Portal(realm: ChatRealm(service: chat), checkers: [store], logger: logger)
        let context = PluginContext(
            chat: chat, portal: portal, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, storageDirectory: directory,
            logger: logger)
        let c2sOptions = try PluginOptions(
            ["port": "0", "require-tls": "false", "allow-plain-without-tls": "true", "auth-failure-delay": "0.05"],
            declared: XMPPC2SPlugin.options)
        guard let c2s = try XMPPC2SPlugin.makeService(options: c2sOptions, context: context) as? C2SService else {
            throw WorldError.notListening
        }
        var given = ["port": "\(s2sPort)"]
        given.merge(options) { _, new in new }
        let s2s = try XMPPS2SPlugin.makeService(options: try PluginOptions(given, declared: XMPPS2SPlugin.options), context: context)
        self.s2s = s2s
        group = ServiceGroup(services: [c2s, s2s], logger: logger)
        let group = self.group
        task = Task { try await group.run() }
        var port: Int?
        for _ in 0..<500 where port == nil {
            port = c2s.port()
            if port == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        guard let port else { throw WorldError.notListening }
        c2sPort = port
    }

    enum WorldError: Error { case notListening }

    /// A user logged in over c2s with initial presence sent.
    func user(_ name: String, _ password: String, resource: String = "r") async throws -> (XMPPTestClient, JID) {
        let client = try await XMPPTestClient(port: c2sPort, domain: domain)
        let jid = try await client.login(name, password, resource: resource, tls: false)
        return (client, jid)
    }

    func stop() async {
        await chat.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A loopback port free now (bound and released: a small race with other binders).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}
