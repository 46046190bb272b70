import Logging
import NIOCore
import NIOPosix
import ParleyServerNIO
import ServiceLifecycle
import Synchronization
import Testing

/// The server runtime against real sockets on 127.0.0.1: two endpoints on one listener,
/// the registry partitioned per event loop, ticks from the loop sweepers, and the
/// shutdown hook getting the connections still open.
@Suite struct ServerListenerTests {
    /// A connection that counts its ticks and echoes nothing.
    final actor Probe: LoopBoundConnection {
        nonisolated let channel: any Channel
        nonisolated var unownedExecutor: UnownedSerialExecutor { channel.eventLoop.executor.asUnownedSerialExecutor() }
        nonisolated var eventLoop: any EventLoop { channel.eventLoop }
        nonisolated let label: String
        private(set) var ticks = 0

        init(channel: any Channel, label: String) {
            self.channel = channel
            self.label = label
        }

        func tick(now: NIODeadline) { ticks += 1 }
    }

    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    private static func connect(_ port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
    }

    @Test func twoEndpointsShareOneRegistrySweptPerLoopAndHandedToShutdown() async throws {
        let registry = ConnectionRegistry<Probe>(memory: MemoryReturn())
        let shutdownSaw = Mutex<[String]>([])
        var options = ListenerOptions()
        options.sweepInterval = .milliseconds(20)
        func endpoint(_ label: String) -> ListenerEndpoint {
            ListenerEndpoint(label: label, host: "127.0.0.1", port: 0) { channel in
                registry.track(Probe(channel: channel, label: label))
            }
        }
        let listener = ServerListener(
            name: "probe", endpoints: [endpoint("port"), endpoint("tls-port")], options: options, registry: registry,
            eventLoopGroup: Self.group, logger: Logger(label: "test"),
            shutdown: { open in
                var labels: [String] = []
                for connection in open { labels.append(connection.label) }
                shutdownSaw.withLock { $0 = labels.sorted() }
            })
        let group = ServiceGroup(services: [listener], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        var plain: Int? = nil
        var second: Int? = nil
        for _ in 0..<500 where plain == nil || second == nil {
            plain = listener.port()
            second = listener.port("tls-port")
            try await Task.sleep(for: .milliseconds(10))
        }
        let first = try #require(plain)
        let other = try #require(second)
        #expect(first != other)

        let clients = [try await Self.connect(first), try await Self.connect(other), try await Self.connect(first)]
        for _ in 0..<500 where registry.count < 3 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(registry.count == 3)
        // Each loop's partition holds only connections on that loop, and together all of them.
        var seen = 0
        for loop in Self.group.makeIterator() {
            let here = registry.connections(on: loop)
            #expect(here.allSatisfy { $0.channel.eventLoop === loop })
            seen += here.count
        }
        #expect(seen == 3)
        // The sweepers tick every connection.
        try await Task.sleep(for: .milliseconds(200))
        for connection in registry.open {
            #expect(await connection.ticks > 0)
        }
        // A refused connection past a limit is not counted.
        let extra = Probe(channel: registry.open[0].channel, label: "extra")
        #expect(!registry.track(extra, limit: 3))
        #expect(registry.count == 3)
        registry.forget(extra)  // never tracked: nothing changes
        #expect(registry.count == 3)

        await group.triggerGracefulShutdown()
        try await running.value
        #expect(shutdownSaw.withLock { $0 } == ["port", "port", "tls-port"])
        for client in clients { try? await client.close() }
    }
}
