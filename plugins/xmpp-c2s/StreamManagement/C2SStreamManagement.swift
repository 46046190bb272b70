import DequeModule
import NIOCore
import ParleyXMPP

/// XEP-0198 for one session, once the client enabled it: the counters, the stanzas sent
/// and not yet acknowledged (§4), and whether the session waits for a resumption (§5).
/// Kept by the session's `C2SMind`, under the same lock as the transport it writes to,
/// so that counting a stanza and writing it are one step, and a resumption that moves
/// the session to a new transport resends exactly what the client did not acknowledge.
struct C2SStreamManagement: Sendable {
    /// The resumption id (`<enabled id/>`), when the client asked for resumption.
    var resumeID: String?
    var counters = StreamManagementCounters()
    /// What was sent and not acknowledged, oldest first.
    var unacknowledged: Deque<ByteBuffer> = []
    /// The transport is gone and the session waits for `<resume/>`.
    var hibernating = false
    /// More than the limit waited while hibernating: the session will not be resumed.
    var overflowed = false

    init(resumeID: String?) { self.resumeID = resumeID }

    /// Records one stanza written to the client; false once more than `limit` wait
    /// unacknowledged in hibernation.
    mutating func sent(_ buffer: ByteBuffer, limit: Int) -> Bool {
        counters.sentOne()
        unacknowledged.append(buffer)
        if hibernating && unacknowledged.count > limit { overflowed = true }
        return !overflowed
    }

    /// §4: the client handled `h`; the acknowledged stanzas are dropped. Nil when `h` is
    /// more than was sent.
    mutating func acknowledge(_ h: UInt32) -> UInt32? {
        guard let newly = counters.acknowledge(h) else { return nil }
        unacknowledged.removeFirst(min(Int(newly), unacknowledged.count))
        return newly
    }
}
