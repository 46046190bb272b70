import ParleyCore
import ParleyXML
import ParleyXMPP

/// The model's route to every remote domain (`ChatService.attachRemoteDomains`): each event
/// for a remote address becomes a `jabber:server` stanza on the outgoing stream from the
/// sender's domain to the recipient's.
final class S2SRemoteDomains: ComponentHandler {
    let protocolFamily = ProtocolFamily.xmpp
    private let shared: S2SShared

    init(shared: S2SShared) {
        self.shared = shared
    }

    func deliver(_ event: ChatEvent, to address: Address) throws {
        guard let traffic = ComponentTraffic(event: event, to: address), let sender = traffic.sender,
            let remote = address.user?.domain
        else { return }
        // Only our own domains speak for themselves on an outgoing stream.
        guard shared.serves(sender.domain) else { throw DeliveryError.invalidSender(sender.description) }
        guard shared.settings.admits(remote) else {
            throw DeliveryError.notRoutable(remote)
        }
        guard let element = shared.codec.element(for: traffic) else { return }
        let pair = S2SDomainPair(remote: remote, local: sender.domain)
        guard shared.send(element, pair, origin: traffic) else { throw DeliveryError.notRoutable(remote) }
    }
}
