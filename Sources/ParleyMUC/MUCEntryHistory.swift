import ParleyCore
import ParleyXML

/// XEP-0045 §7.2.14: the history a client asked for with its latest join, kept until the
/// entry it belongs to is rendered. One slot: a client's stanzas are handled one at a
/// time and a join's entry reaches the session's mind before the join returns, so a
/// refused join's request is simply replaced by the next one.
public struct MUCEntryHistory: Sendable {
    private var expected: (room: RoomID, history: MUCHistoryRequest)?

    public init() {}

    /// The client asked to enter `room` with `history`.
    public mutating func expect(_ room: RoomID, _ history: MUCHistoryRequest) {
        expected = (room, history)
    }

    /// The history asked for on entering `room`, once; nil when none is waiting.
    public mutating func take(for room: RoomID) -> MUCHistoryRequest? {
        guard let expected, expected.room == room else { return nil }
        self.expected = nil
        return expected.history
    }
}

extension MUCEventRenderer {
    /// The stanzas for a room event or an invitation to the session `me` (JID text `to`);
    /// an entry asks `history` what its client asked for. Nil for other events.
    public func stanzas(
        for event: ChatEvent, me: SessionID, to: String, history entryHistory: (RoomID) -> MUCHistoryRequest?
    ) -> [XMLElement]? {
        switch event {
        case .room(let room, let roomEvent):
            var history: MUCHistoryRequest?
            if case .entered = roomEvent { history = entryHistory(room) }
            return render(roomEvent, in: room, me: me, to: to, history: history)
        case .invitation(let room, let from, let reason):
            return [invitation(to: room, from: from, reason: reason, to: to)]
        default:
            return nil
        }
    }
}
