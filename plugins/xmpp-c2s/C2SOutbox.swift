import NIOCore

/// The stanzas waiting to be written for one session, by one task on the transport's event
/// loop: deliveries that arrive together leave in one flush (one system call) instead of
/// one each.
///
/// XEP-0352 client state indication, Parley's policy (as Prosody's `mod_csi_simple`):
/// while the client says it is inactive, stanzas that do not matter at once (presence,
/// chat states, receipts, room presence: anything without a body or subject) are held, in
/// order. The first stanza that matters (a message with a body or subject, an invitation,
/// any reply the server sends itself), the client going active, or `maximumHeld` held
/// stanzas release everything held, still in order, before it. Nothing is dropped or
/// reordered; an inactive phone only wakes for what its user would see.
struct C2SOutbox: Sendable {
    private(set) var buffers: [ByteBuffer] = []
    /// A flush is scheduled on the coalescer.
    var scheduled = false
    /// XEP-0352 §5.1: the client said `<inactive/>`.
    private(set) var inactive = false
    private(set) var held: [ByteBuffer] = []
    /// Most stanzas held for an inactive client before they go anyway.
    static let maximumHeld = 256

    /// Adds a stanza; true when a flush must be scheduled now.
    mutating func add(_ buffer: ByteBuffer, important: Bool) -> Bool {
        if inactive && !important && held.count < Self.maximumHeld {
            held.append(buffer)
            return false
        }
        release()
        buffers.append(buffer)
        return schedule()
    }

    /// The client went inactive or active (§5.1, §5.2); true when a flush must be
    /// scheduled now (going active releases what was held).
    mutating func setInactive(_ inactive: Bool) -> Bool {
        self.inactive = inactive
        guard !inactive, !held.isEmpty else { return false }
        release()
        return schedule()
    }

    /// Moves what is held in front of what goes next.
    mutating func release() {
        guard !held.isEmpty else { return }
        buffers.append(contentsOf: held)
        held.removeAll()
    }

    /// Everything ready to write, in order; the flush that takes it is done.
    mutating func take() -> [ByteBuffer] {
        defer {
            buffers.removeAll()
            scheduled = false
        }
        return buffers
    }

    private mutating func schedule() -> Bool {
        defer { scheduled = true }
        return !scheduled
    }
}
