import NIOCore
import ParleyCore

/// The work shared by every IRC recipient of one room fan-out (`FanOut.memo`): the line
/// rendered once per variant (message-tags × server-time) as a `ByteBuffer` that every
/// recipient's channel writes as is, and the writes for clients on other event loops
/// grouped so that each other loop is entered once per fan-out. Flushing is left to each
/// loop's `LoopFlushCoalescer`: once per loop turn, however many messages it carried.
///
/// Used on the room's executor only, for the length of one fan-out (like `FanOut`).
final class IRCFanOutBatch: @unchecked Sendable {
    let allocator: ByteBufferAllocator
    /// The rendered line per `IRCRecipient.messageVariant`; an empty buffer when the
    /// variant shows nothing.
    var rendered: [ByteBuffer?] = Array(repeating: nil, count: 8)
    /// The sender's `nick!user@host`, looked up once.
    var source: String?
    /// The sender's session, to leave its own line out for clients without echo-message.
    var senderSession: SessionID?
    /// Writes for clients on other event loops, per loop.
    private var remote: [ObjectIdentifier: (loop: any EventLoop, writes: [(IRCWriteFlusher, ByteBuffer)])] = [:]

    init(allocator: ByteBufferAllocator) {
        self.allocator = allocator
    }

    /// Writes `buffer` to the client now when the caller runs on its loop, or queues it for
    /// that loop's single hop at the end.
    func add(_ buffer: ByteBuffer, to client: IRCWriteFlusher) {
        let loop = client.loop
        if loop.inEventLoop {
            client.writeSoon(buffer)
        } else {
            let key = ObjectIdentifier(loop)
            if remote[key] == nil {
                remote[key] = (loop, [(client, buffer)])
            } else {
                remote[key]!.writes.append((client, buffer))
            }
        }
    }

    /// Enters every other loop once to write there.
    func finish() {
        for (_, group) in remote {
            let writes = group.writes
            group.loop.execute {
                for (client, buffer) in writes { client.writeSoon(buffer) }
            }
        }
        remote = [:]
    }
}
