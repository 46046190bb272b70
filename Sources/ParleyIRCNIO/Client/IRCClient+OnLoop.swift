import NIOCore
import ParleyIRC

extension IRCClient {
    /// The client's operations for code already running on its event loop: each is done
    /// at once, with no hop and no allocation of a task (a gateway relaying thousands of
    /// lines a second through many clients on one loop).
    public struct OnLoop {
        let client: IRCClient

        /// Starts connecting (once); progress arrives as events.
        public func start() { client.loopStart() }
        /// Sends `message` once registered, through the rate limiter.
        public func send(_ message: IRCMessage) { client.loopSend(CollectionOfOne(message)) }
        /// Sends `messages` in order; a batch among them (`BATCH +ref` … `BATCH -ref`)
        /// leaves whole, with nothing between its lines.
        public func send(_ messages: [IRCMessage]) { client.loopSend(messages) }
        /// Joins `channel` now (if registered) and after every reconnect.
        public func join(_ channel: String, key: String? = nil) { client.loopJoin(channel, key: key) }
        /// Leaves `channel` and stops rejoining it.
        public func part(_ channel: String, reason: String? = nil) { client.loopPart(channel, reason: reason) }
        /// Stops reading from the network (false) until called with true: the lines wait in
        /// the kernel's and the server's buffers, for a caller whose own output is backed
        /// up. Holds across reconnects.
        public func setReading(_ reading: Bool) { client.loopSetReading(reading) }
        /// Our current nick.
        public var nick: String { client.loopNick }
        /// The members of `channel` with their prefixes, or nil when we are not in it.
        public func members(of channel: String) -> [IRCChannelMember]? { client.loopMembers(of: channel) }
        /// The capabilities enabled on the current connection.
        public var enabledCapabilities: Set<String> { client.loopEnabledCapabilities }
        /// Sends QUIT, closes and cancels any reconnect; the future completes once the
        /// connection is closed and the events are finished.
        @discardableResult
        public func stop(message: String? = nil) -> EventLoopFuture<Void> { client.loopStop(message: message) }
    }

    /// The operations without a hop; only valid on `eventLoop` (checked).
    public var onLoop: OnLoop {
        eventLoop.preconditionInEventLoop()
        return OnLoop(client: self)
    }
}
