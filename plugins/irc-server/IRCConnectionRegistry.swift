import NIOCore
import ParleyIRCNIO
import ParleyLauncher
import Synchronization

/// The open connections of one irc-server, grouped by event loop so each loop's sweeper
/// visits only its own (one timer per loop, none per connection).
final class IRCConnectionRegistry: Sendable {
    private let loops = Mutex<[ObjectIdentifier: [ObjectIdentifier: IRCConnection]]>([:])
    private let total = Atomic<Int>(0)
    /// One flush coalescer per event loop, made when the loop's first client registers.
    private let coalescers = Mutex<[ObjectIdentifier: LoopFlushCoalescer]>([:])
    /// Returns the garbage of registration bursts and closed connections to the system,
    /// so that an idle client costs what it holds (docs/benchmarks-irc.md).
    let memory = MemoryReturn()

    init() {}

    /// The flush coalescer of `loop` (looked up once per connection, not per write).
    func coalescer(for loop: any EventLoop) -> LoopFlushCoalescer {
        coalescers.withLock { coalescers in
            if let existing = coalescers[ObjectIdentifier(loop)] { return existing }
            let made = LoopFlushCoalescer(loop: loop)
            coalescers[ObjectIdentifier(loop)] = made
            return made
        }
    }

    /// Adds `connection` unless `limit` connections are open; false when full.
    func track(_ connection: IRCConnection, limit: Int) -> Bool {
        guard total.wrappingAdd(1, ordering: .relaxed).newValue <= limit else {
            total.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        let loop = ObjectIdentifier(connection.channel.eventLoop)
        loops.withLock { $0[loop, default: [:]][ObjectIdentifier(connection)] = connection }
        return true
    }

    func forget(_ connection: IRCConnection) {
        let loop = ObjectIdentifier(connection.channel.eventLoop)
        let removed = loops.withLock { $0[loop]?.removeValue(forKey: ObjectIdentifier(connection)) != nil }
        if removed { total.wrappingSubtract(1, ordering: .relaxed) }
        memory.noteRelease()
    }

    /// Open connections.
    var count: Int { total.load(ordering: .relaxed) }

    /// Every open connection.
    var open: [IRCConnection] { loops.withLock { $0.values.flatMap(\.values) } }

    /// The open connections running on `loop`.
    func connections(on loop: any EventLoop) -> [IRCConnection] {
        loops.withLock { $0[ObjectIdentifier(loop)].map { Array($0.values) } ?? [] }
    }
}

/// One repeating timer per event loop that ticks that loop's connections (PING, ping and
/// registration timeouts), the way `EventLoopSweeper` does for XMPP.
final class IRCSweeper: Sendable {
    private let tasks: [RepeatedTask]

    init(group: any EventLoopGroup, interval: TimeAmount, registry: IRCConnectionRegistry) {
        tasks = group.makeIterator().map { loop in
            loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                let now = NIODeadline.now()
                for connection in registry.connections(on: loop) {
                    connection.assumeIsolated { $0.tick(now: now) }
                }
            }
        }
    }

    func stop() {
        for task in tasks { task.cancel() }
    }
}
