import NIOCore

/// One timer per event loop that visits that loop's component connections (handshake
/// timeout, keepalives), instead of a scheduled task per connection.
final class RouterSweeper: Sendable {
    static let interval = TimeAmount.milliseconds(250)
    private let task: RepeatedTask

    init(loop: any EventLoop, shared: RouterShared) {
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
