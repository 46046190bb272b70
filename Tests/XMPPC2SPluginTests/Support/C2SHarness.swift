import XMPPTestSupport
import Foundation
import Logging
import NIOPosix
import ParleyCore
import ParleyCred
import ParleyXMPPNIO
import ServiceLifecycle

@testable import XMPPC2SPlugin

/// An `xmpp-c2s` listener in this process on 127.0.0.1, port 0, with a flat-file store in
/// a temporary directory and a self-signed certificate; stopped by graceful shutdown.
final class C2SHarness: @unchecked Sendable {
    let directory: String
    let store: FlatFileStore
    let chat: ChatService
    let service: C2SService
    let shared: C2SShared
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let port: Int
    static let domain = "example.test"

    init(
        accounts: [(String, String)] = [("alice", "alicepw"), ("bob", "bobpw")], features: [any C2SFeature] = [],
        configure: (inout C2SSettings) -> Void = { _ in }
    ) async throws
    {
        directory = NSTemporaryDirectory() + "parley-c2s-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.c2s")
        logger.logLevel = .error
        store = try FlatFileStore(directory: directory, iterations: 4096, logger: logger)
        for (user, password) in accounts { try store.addAccount(Username(user)!, password: password) }
        chat = ChatService(configuration: ChatServiceConfiguration(domain: Self.domain), contacts: store, logger: logger)
        let portal = Portal(realm: ChatRealm(service: chat), checkers: [store], logger: logger)
        var settings = C2SSettings()
        settings.port = 0
        settings.authFailureDelay = 0.05
        configure(&settings)
        let material = try TLSMaterial.load(
            certificatePath: nil, keyPath: nil, storageDirectory: directory, domain: Self.domain, logger: logger)
        shared = try C2SShared(
            settings: settings, chat: chat, portal: portal,
            tls: try ReloadableTLSContext { [material] in try material.makeServerContext() },
            storageDirectory: directory, logger: logger, extraFeatures: features)
        service = C2SService(shared: shared, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        group = ServiceGroup(services: [service], logger: logger)
        let group = self.group
        task = Task { try await group.run() }
        var bound: Int?
        for _ in 0..<500 {
            bound = service.port()
            if bound != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let bound else { throw HarnessError.notListening }
        port = bound
    }

    enum HarnessError: Error { case notListening }

    func client() async throws -> XMPPTestClient {
        try await XMPPTestClient(port: port, domain: Self.domain)
    }

    func stop() async {
        await chat.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}
