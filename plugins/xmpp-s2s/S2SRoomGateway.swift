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
/// Each incoming stream hands its stanzas over in order from its own bounded inbox, so a
/// remote server that sends faster than the rooms take has its reading paused, and no
/// other server waits behind it. A remote domain holds at most `sessionsPerDomain`
/// sessions here.
final class S2SRoomGateway: Sendable {
    private let occupants: MUCRemoteOccupants

    init(service: MUCService, shared: S2SShared, sessionsPerDomain: Int) {
        let clientNamespace = service.codec.namespace
        occupants = MUCRemoteOccupants(
            service: service, remoteUsers: true, sessionsPerDomain: sessionsPerDomain,
            accepts: { [weak shared] jid in shared?.admits(jid.domain) ?? false },
            post: { [weak shared] element in
                guard let shared, let to = element[attribute: "to"].flatMap(JID.init),
                    let from = element[attribute: "from"].flatMap(JID.init)
                else { return }
                let stanza = ComponentStanzaCodec.moved(element, from: clientNamespace, to: XMPPNamespace.server)
                shared.send(stanza, S2SDomainPair(remote: to.domain, local: from.domain))
            })
    }

    /// Whether this gateway leads to `service` (a restarted plugin attaches a new one).
    func serves(_ service: MUCService) -> Bool { occupants.service === service }

    /// A stanza from a remote server, in `jabber:server`, to an address of the service.
    func handle(_ stanza: XMLElement) async {
        await occupants.handle(ComponentStanzaCodec.moved(stanza, from: XMPPNamespace.server, to: occupants.service.codec.namespace))
    }
}
