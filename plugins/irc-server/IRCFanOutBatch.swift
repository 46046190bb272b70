import NIOCore

/// The work shared by every IRC recipient of one room fan-out (`FanOut.memo`): the line
/// rendered once per variant (message-tags × server-time) as a `ByteBuffer` that every
/// recipient's channel writes as is, and the writes grouped so that each channel is flushed
/// once and each other event loop is entered once per fan-out.
///
/// Used on the room's executor only, for the length of one fan-out (like `FanOut`).
final class IRCFanOutBatch: @unchecked Sendable {
    let allocator: ByteBufferAllocator
    /// The rendered line per `IRCRecipient.messageVariant`; an empty buffer when the
    /// variant shows nothing.
    var rendered: [ByteBuffer?] = [nil, nil, nil, nil]
    /// The sender's `nick!user@host`, looked up once.
    var source: String?
    /// Channels on the current event loop, written already, flushed at the end.
    private var local: [any Channel] = []
    /// Writes for channels on other event loops, per loop.
    private var remote: [ObjectIdentifier: (loop: any EventLoop, writes: [(any Channel, ByteBuffer)])] = [:]

    init(allocator: ByteBufferAllocator) {
        self.allocator = allocator
    }

    /// Writes `buffer` to `channel` now when the caller runs on the channel's loop, or
    /// queues it for that loop's single hop at the end.
    func add(_ buffer: ByteBuffer, to channel: any Channel) {
        let loop = channel.eventLoop
        if loop.inEventLoop {
            channel.write(buffer, promise: nil)
            local.append(channel)
        } else {
            let key = ObjectIdentifier(loop)
            if remote[key] == nil {
                remote[key] = (loop, [(channel, buffer)])
            } else {
                remote[key]!.writes.append((channel, buffer))
            }
        }
    }

    /// Flushes the local channels and enters every other loop once to write and flush.
    func finish() {
        for channel in local { channel.flush() }
        local = []
        for (_, group) in remote {
            let writes = group.writes
            group.loop.execute {
                for (channel, buffer) in writes { channel.write(buffer, promise: nil) }
                for (channel, _) in writes { channel.flush() }
            }
        }
        remote = [:]
    }
}
