import NIOCore
import Synchronization

/// One timer per event loop that visits that loop's connections (timeouts, keepalives,
/// hibernation), instead of a scheduled task per connection: an idle session then costs
/// no timer memory at all.
final class ConnectionSweeper: Sendable {
    static let interval = TimeAmount.milliseconds(500)
    private let task: RepeatedTask

    init(loop: any EventLoop, shared: C2SShared) {
        task = loop.scheduleRepeatedTask(initialDelay: Self.interval, delay: Self.interval) { _ in
            for connection in shared.connections(on: loop) {
                connection.assumeIsolated { $0.tick() }
            }
        }
    }

    func stop() {
        task.cancel()
    }
}
