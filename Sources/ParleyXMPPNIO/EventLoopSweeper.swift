import NIOCore

/// One timer per event loop that calls `tick()` on that loop's connections, instead of a
/// scheduled task per connection: an idle connection then costs no timer memory at all.
public final class EventLoopSweeper: Sendable {
    private let task: RepeatedTask

    public init<Connection>(loop: any EventLoop, interval: TimeAmount, registry: ConnectionRegistry<Connection>) {
        task = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            for connection in registry.connections(on: loop) {
                connection.assumeIsolated { $0.tick() }
            }
        }
    }

    /// A sweeper on every loop of `group`.
    public static func start<Connection>(
        on group: any EventLoopGroup, interval: TimeAmount, registry: ConnectionRegistry<Connection>
    ) -> [EventLoopSweeper] {
        group.makeIterator().map { EventLoopSweeper(loop: $0, interval: interval, registry: registry) }
    }

    public func stop() {
        task.cancel()
    }
}
