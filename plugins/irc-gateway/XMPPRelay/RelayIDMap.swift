/// Which message in the local room is which in the far room, so that a reply (XEP-0461)
/// or a correction (XEP-0308) in one room refers to the right message in the other.
/// Bounded: the oldest links are forgotten first (`capacity`).
///
/// A message has two ids on each side: the room's XEP-0359 stanza-id, which XEP-0461 §3
/// says a groupchat reply names, and the sender's `id` attribute (the origin id), which a
/// XEP-0308 correction names. Either may be unknown at first and learned later (our own
/// relayed copy comes back with the id the room gave it).
struct RelayIDMap: Sendable {
    /// One message's ids in one room.
    struct IDs: Sendable, Equatable {
        var stanzaID: String?
        var id: String?
    }

    /// Which room an id belongs to.
    enum Side: Sendable { case local, far }

    /// What the id is wanted for: a reply prefers the stanza-id, a correction the `id`.
    enum Reference: Sendable { case reply, correction }

    private struct Link {
        var local: IDs
        var far: IDs
        subscript(side: Side) -> IDs {
            get { side == .local ? local : far }
            set { if side == .local { local = newValue } else { far = newValue } }
        }
    }

    let capacity: Int
    private var links: [Int: Link] = [:]
    private var index: [Side: [String: Int]] = [.local: [:], .far: [:]]
    private var next = 0

    init(capacity: Int = 2_000) {
        self.capacity = max(1, capacity)
    }

    /// How many links are kept.
    var count: Int { links.count }

    /// Links a message's ids in both rooms.
    mutating func link(local: IDs, far: IDs) {
        let serial = next
        next += 1
        links[serial] = Link(local: local, far: far)
        for side in [Side.local, .far] {
            for id in [links[serial]![side].stanzaID, links[serial]![side].id].compactMap({ $0 }) {
                index[side]![id] = serial
            }
        }
        let oldest = serial - capacity
        if oldest >= 0, let gone = links.removeValue(forKey: oldest) {
            for side in [Side.local, .far] {
                for id in [gone[side].stanzaID, gone[side].id].compactMap({ $0 }) where index[side]![id] == oldest {
                    index[side]![id] = nil
                }
            }
        }
    }

    /// The room gave the message whose `id` we know its stanza-id (our reflected copy).
    mutating func learn(stanzaID: String, forID id: String, on side: Side) {
        guard let serial = index[side]![id], links[serial] != nil else { return }
        links[serial]![side].stanzaID = stanzaID
        index[side]![stanzaID] = serial
    }

    /// The id in the other room of the message `id` names in `side`, the kind `reference`
    /// prefers first; nil when the message is unknown (never relayed, or forgotten).
    func counterpart(of id: String, in side: Side, for reference: Reference) -> String? {
        guard let serial = index[side]![id], let link = links[serial] else { return nil }
        let other = link[side == .local ? .far : .local]
        switch reference {
        case .reply: return other.stanzaID ?? other.id
        case .correction: return other.id ?? other.stanzaID
        }
    }
}
