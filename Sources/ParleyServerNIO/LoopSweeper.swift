import NIOCore

/// One repeating timer per event loop that ticks that loop's connections (timeouts,
/// keepalives), instead of a scheduled task per connection: an idle connection then costs
/// no timer memory at all.
public final class LoopSweeper: Sendable {
    private let tasks: [RepeatedTask]

    /// Starts a sweeper on every loop of `group`, each visiting its own partition of `registry`.
    public init<Connection>(group: any EventLoopGroup, interval: TimeAmount, registry: ConnectionRegistry<Connection>) {
        tasks = group.makeIterator().map { loop in
            loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                let now = NIODeadline.now()
                for connection in registry.connections(on: loop) {
                    connection.assumeIsolated { $0.tick(now: now) }
                }
            }
        }
    }

    public func stop() {
        for task in tasks { task.cancel() }
    }
}
