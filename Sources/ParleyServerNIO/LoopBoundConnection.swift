import NIOCore

/// A connection actor of any protocol that runs on its channel's event loop (its executor
/// is the loop's), so the NIO shell hands it input synchronously, in order, on the right
/// thread. The runtime's `ConnectionRegistry` keeps it while open and its loop's
/// `LoopSweeper` ticks it: an idle connection owns no task and no timer.
public protocol LoopBoundConnection: Actor {
    /// The loop that runs the actor (its channel's, for a connection on one channel).
    nonisolated var eventLoop: any EventLoop { get }
    /// Timeouts and keepalives, called by the loop's sweeper with the sweep's clock.
    func tick(now: NIODeadline)
}
