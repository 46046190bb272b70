import ParleyCore
import ParleyMUC
import ParleyXML
import ParleyXMPP

/// Remote users in this process's rooms: stanzas from remote servers to an in-process MUC
/// service (`conference.<domain>`, the same rooms as the IRC channels) reach it with a
/// model session per remote full JID (`MUCRemoteOccupants`), and what the rooms send them
/// goes back over the outgoing stream to their domain. Stanzas are moved between
/// `jabber:server` and the service's `jabber:client` on the way (RFC 6120 §4.8.3).
///
/// Handled one at a time, in the order they came, from a bounded queue: beyond
/// `queueLimit` waiting, a request gets `resource-constraint` instead.
final class S2SRoomGateway: Sendable {
    private let occupants: MUCRemoteOccupants
    private let inbox: AsyncStream<XMLElement>.Continuation

    init(service: MUCService, shared: S2SShared, queueLimit: Int = 10_000) {
        let clientNamespace = service.codec.namespace
        let occupants = MUCRemoteOccupants(
            service: service, remoteUsers: true, accepts: { [weak shared] jid in shared?.admits(jid.domain) ?? false },
            post: { [weak shared] element in
                guard let shared, let to = element[attribute: "to"].flatMap(JID.init),
                    let from = element[attribute: "from"].flatMap(JID.init)
                else { return }
                let stanza = ComponentStanzaCodec.moved(element, from: clientNamespace, to: XMPPNamespace.server)
                shared.send(stanza, S2SDomainPair(remote: to.domain, local: from.domain))
            })
        self.occupants = occupants
        let (stream, continuation) = AsyncStream.makeStream(of: XMLElement.self, bufferingPolicy: .bufferingOldest(queueLimit))
        inbox = continuation
        Task {
            for await stanza in stream { await occupants.handle(stanza) }
        }
    }

    deinit {
        inbox.finish()
    }

    /// Whether this gateway leads to `service` (a restarted plugin attaches a new one).
    func serves(_ service: MUCService) -> Bool { occupants.service === service }

    /// A stanza from a remote server, in `jabber:server`, to an address of the service.
    func receive(_ stanza: XMLElement) {
        let moved = ComponentStanzaCodec.moved(stanza, from: XMPPNamespace.server, to: occupants.service.codec.namespace)
        guard case .dropped = inbox.yield(moved), moved.name != "presence" else { return }
        occupants.refuse(moved, StanzaError(.resourceConstraint, type: .wait, text: "the rooms are busy; try again"))
    }
}
