import ParleyComponent
import ParleyCore
import ParleyMUC
import ParleyXML
import Synchronization

/// The session of one user of the XMPP server the MUC component is attached to (a full
/// JID it knows only through the server's stanzas): room events are rendered as XEP-0045
/// stanzas to that JID and written to the component link. It is also the user's
/// `MUCClient`, so answers and the history asked for on entering go the same way.
final class RemoteOccupantMind: SessionMind, MUCClient {
    let protocolFamily = ProtocolFamily.xmpp
    let link: any XMPPStanzaLink
    let renderer: MUCEventRenderer
    /// The user's session in this process's model, and its real full JID.
    let session: SessionID
    let jid: String
    private let entries = Mutex(MUCEntryHistory())

    init(link: any XMPPStanzaLink, renderer: MUCEventRenderer, session: SessionID, jid: String) {
        self.link = link
        self.renderer = renderer
        self.session = session
        self.jid = jid
    }

    func deliver(_ event: ChatEvent) throws {
        let stanzas = renderer.stanzas(for: event, me: session, to: jid) { room in
            entries.withLock { $0.take(for: room) }
        }
        for stanza in stanzas ?? [] { link.post(stanza) }
    }

    // MARK: MUCClient

    func send(_ element: XMLElement) async {
        link.post(element)
    }

    func expectEntry(to room: RoomID, history: MUCHistoryRequest) {
        entries.withLock { $0.expect(room, history) }
    }
}
