/// Which way a copied message went, seen from the user whose session gets the copy.
public enum MessageCopy: Sendable, Equatable {
    /// Another session of the user sent it (XEP-0280 §7 `<sent/>`).
    case sent
    /// Another session of the user received it (XEP-0280 §7 `<received/>`).
    case received
}

extension UserHome {
    /// Turns copies of the user's conversations on or off for `session` (XEP-0280 §4, §5).
    /// False when the session is no longer attached.
    func setWantsCopies(_ wanted: Bool, of session: ChatSession) -> Bool {
        guard var entry = entries[session.id.resource], entry.session === session else { return false }
        if entry.wantsCopies != wanted { copyTakers.add(wanted ? 1 : -1, ordering: .relaxed) }
        entry.wantsCopies = wanted
        entries[session.id.resource] = entry
        return true
    }

    /// Delivers a one-to-one message addressed to the user (its bare address) or to one
    /// of its sessions (RFC 6121 §8.5.2.1, §8.5.3.1), then a copy to every other session
    /// that asked for copies (XEP-0280 §6: received carbons); nil when `resource` names no
    /// session. Returns how many sessions got the message itself.
    func deliverMessage(_ message: Message, toResource resource: String?, fanOut: FanOut? = nil) -> Int? {
        let delivered: Int
        let targets: Set<String>
        if let resource {
            guard let entry = entries[resource] else { return nil }
            delivered = deliver(.message(message), to: [entry.session], fanOut: fanOut)
            targets = [resource]
        } else {
            let sessions = bestSessions(for: message)
            delivered = deliver(.message(message), to: sessions, fanOut: fanOut)
            targets = Set(sessions.map(\.id.resource))
        }
        if delivered > 0, message.isConversation {
            deliverCopies(of: message, .received) { !targets.contains($0.id.resource) }
        }
        return delivered
    }

    /// Copies `message` to the sessions that asked for copies and pass `include` (XEP-0280).
    func deliverCopies(of message: Message, _ direction: MessageCopy, where include: (ChatSession) -> Bool) {
        let sessions = entries.values.filter { $0.wantsCopies && include($0.session) }.map(\.session)
        guard !sessions.isEmpty else { return }
        _ = deliver(.copy(message, direction), to: sessions)
    }
}
