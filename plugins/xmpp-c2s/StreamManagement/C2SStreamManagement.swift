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
    /// More than the limit waited: the session will not be resumed (and a live stream
    /// that does not acknowledge is cut off).
    var overflowed = false
    /// The session is ending: what is unacknowledged is being kept offline, and nothing
    /// more is taken for it.
    var ending = false
    /// An `<r/>` is on its way and not answered yet.
    var requested = false

    /// Unacknowledged stanzas after which the server asks for an acknowledgement (§4).
    static let requestAfter = 20

    init(resumeID: String?) { self.resumeID = resumeID }

    /// Records one stanza written to the client. Past `limit` unacknowledged while
    /// hibernating, or four times that on a live stream (a client that never answers
    /// `<r/>`), the session overflows.
    mutating func sent(_ buffer: ByteBuffer, limit: Int) {
        counters.sentOne()
        unacknowledged.append(buffer)
        if unacknowledged.count > (hibernating ? limit : 4 * limit) { overflowed = true }
    }

    /// Whether to ask for an acknowledgement now (§4: "either party MAY send an <r/>"):
    /// when enough wait and no request is outstanding, on a live stream.
    mutating func shouldRequest() -> Bool {
        guard !hibernating, !ending, !requested, unacknowledged.count >= Self.requestAfter else { return false }
        requested = true
        return true
    }

    /// §4: the client handled `h`; the acknowledged stanzas are dropped. Nil when `h` is
    /// more than was sent.
    mutating func acknowledge(_ h: UInt32) -> UInt32? {
        guard let newly = counters.acknowledge(h) else { return nil }
        unacknowledged.removeFirst(min(Int(newly), unacknowledged.count))
        requested = false
        return newly
    }

    /// Whether deliveries are taken without a live transport: the session can still be
    /// resumed.
    var waitsForResumption: Bool { resumeID != nil && !overflowed && !ending }
}
