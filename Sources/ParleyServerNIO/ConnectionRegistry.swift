import NIOCore
import Synchronization

/// The open connections of one listener, partitioned by event loop: a loop's sweeper visits
/// only its own partition (one short lock, no scan of the others), the count is an atomic,
/// and an optional limit refuses connections past it. Each loop also has one
/// `LoopFlushCoalescer` for the connections that gather their writes.
public final class ConnectionRegistry<Connection: LoopBoundConnection>: Sendable {
    private let loops = Mutex<[ObjectIdentifier: [ObjectIdentifier: Connection]]>([:])
    private let total = Atomic<Int>(0)
    private let coalescers = Mutex<[ObjectIdentifier: LoopFlushCoalescer]>([:])
    /// Told about every closed connection, so that its memory goes back to the system.
    private let memory: MemoryReturn?

    /// `memory` is the process's `MemoryReturn` (the launcher's `PluginContext.memory`).
    public init(memory: MemoryReturn? = nil) {
        self.memory = memory
    }

    /// Adds `connection` unless `limit` connections are open already; false when full.
    @discardableResult
    public func track(_ connection: Connection, limit: Int = .max) -> Bool {
        guard total.wrappingAdd(1, ordering: .relaxed).newValue <= limit else {
            total.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        let loop = ObjectIdentifier(connection.eventLoop)
        loops.withLock { $0[loop, default: [:]][ObjectIdentifier(connection)] = connection }
        return true
    }

    /// Removes a closed connection (once; later calls do nothing).
    public func forget(_ connection: Connection) {
        let loop = ObjectIdentifier(connection.eventLoop)
        let removed = loops.withLock { $0[loop]?.removeValue(forKey: ObjectIdentifier(connection)) != nil }
        guard removed else { return }
        total.wrappingSubtract(1, ordering: .relaxed)
        memory?.noteRelease()
    }

    /// Open connections.
    public var count: Int { total.load(ordering: .relaxed) }

    /// Every open connection, in no particular order.
    public var open: [Connection] { loops.withLock { $0.values.flatMap(\.values) } }

    /// The open connections that run on `loop`.
    public func connections(on loop: any EventLoop) -> [Connection] {
        loops.withLock { $0[ObjectIdentifier(loop)].map { Array($0.values) } ?? [] }
    }

    /// The flush coalescer of `loop` (look it up once per connection, not per write).
    public func coalescer(for loop: any EventLoop) -> LoopFlushCoalescer {
        coalescers.withLock { coalescers in
            if let existing = coalescers[ObjectIdentifier(loop)] { return existing }
            let made = LoopFlushCoalescer(loop: loop)
            coalescers[ObjectIdentifier(loop)] = made
            return made
        }
    }
}
