import Dispatch
import Logging
import NIOPosix
import ParleyCore
import ParleyXML
import Testing

@testable import IRCGatewayPlugin

/// A user's requests wait for their puppet's event loop in a bounded queue.
@Suite struct PuppetQueueTests {
    let alice = SessionID(user: UserID(localpart: "alice", domain: "example.org"), resource: "desk")
    let channel = UserID(localpart: "#dev%127.0.0.1", domain: "irc.example.org")

    /// The error conditions of the error messages the gateway posted.
    func messageErrors(_ link: GatewayServiceTests.RecordingLink) -> [String] {
        link.posted.withLock { $0 }.compactMap { traffic in
            guard case .message(let message) = traffic, message.kind == .error else { return nil }
            return (message.payloads.first?.native?.value as? XMLElement)?.elements.first?.name
        }
    }

    @Test func requestsBeyondTheBoundAreRefusedWhileTheLoopIsBusy() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let link = GatewayServiceTests.RecordingLink()
        var settings = GatewaySettings()
        settings.ports = [1]  // nothing listens: the puppet gives up once the loop is free
        settings.tlsPorts = []
        let service = IRCGatewayService(
            context: GatewayContext(link: link, settings: settings), settingsStore: nil, logger: Logger(label: "test"),
            eventLoops: group)
        let busy = DispatchSemaphore(value: 0)
        group.next().execute { busy.wait() }
        defer { busy.signal() }

        // The entry, then as many messages as may wait: the last one is one too many.
        try service.deliver(.presence(from: alice, Presence()), to: .session(SessionID(user: channel, resource: "alice")))
        for index in 0..<IRCPuppet.maximumWaiting {
            let message = Message(id: "m\(index)", kind: .room, from: .session(alice), to: .user(channel), body: "hello")
            try service.deliver(.message(message), to: .user(channel))
        }
        #expect(messageErrors(link) == ["resource-constraint"])
    }
}
