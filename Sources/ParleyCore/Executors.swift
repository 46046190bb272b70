import Foundation
import Dispatch
import Synchronization

/// A serial executor on a Dispatch queue: the default home for rooms and users when the
/// host (the launcher, with NIO event loops) supplies none.
public final class QueueExecutor: SerialExecutor, @unchecked Sendable {
    // Dispatch queues are thread-safe; the class holds nothing else.
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}

/// The executors that rooms and users live on. Each room and each user gets one home,
/// chosen by hashing its name, so state is owned by one executor and never locked.
public struct ExecutorPool: Sendable {
    public let executors: [any SerialExecutor]

    public init(_ executors: [any SerialExecutor]) {
        precondition(!executors.isEmpty, "an executor pool needs at least one executor")
        self.executors = executors
    }

    /// One `QueueExecutor` per core.
    public static func queues(count: Int = Machine.coreCount) -> ExecutorPool {
        ExecutorPool((0..<max(1, count)).map { QueueExecutor(label: "parley.home.\($0)") })
    }

    /// The home executor of the object named `key`.
    public func executor(for key: some Hashable) -> any SerialExecutor {
        var hasher = Hasher()
        hasher.combine(key)
        let index = Int(UInt(bitPattern: hasher.finalize()) % UInt(executors.count))
        return executors[index]
    }
}

/// Facts about the machine.
public enum Machine {
    /// The processors this process may run on: the CPU affinity mask (`taskset`, cpusets)
    /// when the system reports one, else the online count.
    public static var coreCount: Int {
        #if canImport(Glibc)
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return affinityCount.map { min($0, online) } ?? online
        #else
        return 4
        #endif
    }

    /// Bits set in `Cpus_allowed` of /proc/self/status (Linux); nil elsewhere.
    static var affinityCount: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return nil }
        var count = 0
        for character in line.dropFirst("Cpus_allowed:".count) {
            guard let nibble = character.hexDigitValue else { continue }
            count += nibble.nonzeroBitCount
        }
        return count > 0 ? count : nil
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A name → object map split into shards so that looking up one user or room never
/// contends with another; only the lookup is locked, never the object's own work.
final class ShardedDirectory<Key: Hashable & Sendable, Value: AnyObject & Sendable>: Sendable {
    /// A `Mutex` cannot live in an array; each shard is a small box around one.
    private final class Shard: Sendable {
        let map = Mutex<[Key: Value]>([:])
    }
    private let shards: [Shard]

    init(shardCount: Int = 64) {
        shards = (0..<shardCount).map { _ in Shard() }
    }

    private func shard(for key: Key) -> Int {
        var hasher = Hasher()
        hasher.combine(key)
        return Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))
    }

    subscript(key: Key) -> Value? {
        shards[shard(for: key)].map.withLock { $0[key] }
    }

    /// The value for `key`, creating it with `make` when absent; `created` tells which.
    func value(for key: Key, orInsert make: () -> Value) -> (value: Value, created: Bool) {
        shards[shard(for: key)].map.withLock { map in
            if let existing = map[key] { return (existing, false) }
            let value = make()
            map[key] = value
            return (value, true)
        }
    }

    /// Removes `key` if it still maps to `value`.
    func remove(_ key: Key, ifIdenticalTo value: Value) {
        shards[shard(for: key)].map.withLock { map in
            if let current = map[key], current === value { map[key] = nil }
        }
    }

    /// Every value, for shutdown and listings.
    var allValues: [Value] {
        shards.flatMap { shard in shard.map.withLock { Array($0.values) } }
    }
}
