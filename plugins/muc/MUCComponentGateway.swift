import ParleyComponent
import ParleyCore
import ParleyMUC
import ParleyXML
import ParleyXMPP

/// The MUC service as an external XEP-0114 component (`parleyd muc --connect HOST:PORT`,
/// under Parley's xmpp-router, Prosody or ejabberd): each user of the server that talks to
/// a room becomes a session of this process's model — the same rooms as this process's
/// IRC channels — whose events go back as stanzas (`MUCRemoteOccupants`). A user's
/// session ends once it is in no room, and all of them when the link is lost.
///
/// Stanzas are handled one at a time, in the order the server sent them, from a bounded
/// queue: beyond `queueLimit` waiting, a request gets `resource-constraint` instead.
final class MUCComponentGateway: XMPPStanzaComponent {
    let protocolFamily = ProtocolFamily.xmpp
    private let occupants: MUCRemoteOccupants
    private let inbox: AsyncStream<Input>.Continuation
    private let link: any XMPPStanzaLink

    private enum Input: Sendable {
        case stanza(XMLElement)
        case linkLost
    }

    init(service: MUCService, link: any XMPPStanzaLink, queueLimit: Int = 10_000) {
        self.link = link
        let domain = service.chat.domain
        let occupants = MUCRemoteOccupants(
            service: service, remoteUsers: false, accepts: { $0.domain == domain }, post: { link.post($0) })
        self.occupants = occupants
        let (stream, continuation) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .bufferingOldest(queueLimit))
        inbox = continuation
        Task {
            for await input in stream {
                switch input {
                case .stanza(let stanza): await occupants.handle(stanza)
                // The server's users are gone with the stream: they leave their rooms.
                case .linkLost: await occupants.serverGone()
                }
            }
        }
    }

    deinit {
        inbox.finish()
    }

    /// Model traffic never reaches this component: it speaks XMPP (`receive`).
    func deliver(_ event: ChatEvent, to: Address) throws {
        throw DeliveryError.recipientUnavailable
    }

    func receive(_ stanza: XMLElement) {
        guard case .dropped = inbox.yield(.stanza(stanza)), stanza.name != "presence" else { return }
        occupants.refuse(stanza, StanzaError(.resourceConstraint, type: .wait, text: "the rooms are busy; try again"))
    }

    func linkLost() {
        inbox.yield(.linkLost)
    }
}
