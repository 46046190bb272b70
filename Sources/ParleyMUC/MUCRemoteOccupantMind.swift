import ParleyCore
import ParleyXML
import Synchronization

/// The session of one user of another server (a full JID known only through that
/// server's stanzas): room events are rendered as XEP-0045 stanzas to that JID and
/// posted. It is also the user's `MUCClient`, so answers and the history asked for on
/// entering go the same way.
final class MUCRemoteOccupantMind: SessionMind, MUCClient {
    let protocolFamily = ProtocolFamily.xmpp
    let post: @Sendable (XMLElement) -> Void
    let renderer: MUCEventRenderer
    /// The user's session in this process's model, and its real full JID.
    let session: SessionID
    let jid: String
    private let entries = Mutex(MUCEntryHistory())

    init(post: @escaping @Sendable (XMLElement) -> Void, renderer: MUCEventRenderer, session: SessionID, jid: String) {
        self.post = post
        self.renderer = renderer
        self.session = session
        self.jid = jid
    }

    func deliver(_ event: ChatEvent) throws {
        let stanzas = renderer.stanzas(for: event, me: session, to: jid) { room in
            entries.withLock { $0.take(for: room) }
        }
        for stanza in stanzas ?? [] { post(stanza) }
    }

    // MARK: MUCClient

    func send(_ element: XMLElement) async {
        post(element)
    }

    func expectEntry(to room: RoomID, history: MUCHistoryRequest) {
        entries.withLock { $0.expect(room, history) }
    }
}
