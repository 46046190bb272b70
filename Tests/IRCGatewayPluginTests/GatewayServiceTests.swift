import Logging
import ParleyCore
import ParleyXML
import Synchronization
import Testing

@testable import IRCGatewayPlugin

/// What the gateway answers before any IRC connection is made.
@Suite struct GatewayServiceTests {
    /// Keeps what the gateway posts.
    final class RecordingLink: ComponentLink {
        let domain = "irc.example.org"
        let posted = Mutex<[ComponentTraffic]>([])
        func send(_ message: Message) async throws(DeliveryError) {}
        func send(_ query: Query) async throws(DeliveryError) {}
        func sendPresence(_ presence: Presence, from: SessionID, to: Address) async throws(DeliveryError) {}
        func sendSubscription(_ request: SubscriptionRequest, from: UserID, to: UserID) async throws(DeliveryError) {}
        func probe(_ user: UserID, from: UserID) async throws(DeliveryError) {}
        func post(_ traffic: ComponentTraffic) { posted.withLock { $0.append(traffic) } }

        /// The stanza error conditions of the error presences posted.
        var refusals: [String] {
            posted.withLock { $0 }.compactMap { traffic in
                guard case .presence(let presence, _, _) = traffic, presence.isError else { return nil }
                return (presence.payloads.first?.native?.value as? XMLElement)?.elements.first?.name
            }
        }
    }

    let alice = SessionID(user: UserID(localpart: "alice", domain: "example.org"), resource: "desk")

    func enter(_ localpart: String, nick: String, on service: IRCGatewayService) throws {
        let occupant = SessionID(user: UserID(localpart: localpart, domain: "irc.example.org"), resource: nick)
        try service.deliver(.presence(from: alice, Presence()), to: .session(occupant))
    }

    @Test func networksOutsideTheAllowedListAndBadNicksAreRefusedWithoutConnecting() throws {
        let link = RecordingLink()
        var settings = GatewaySettings()
        settings.allowedNetworks = ["irc.example.net"]
        let service = IRCGatewayService(context: GatewayContext(link: link, settings: settings), settingsStore: nil, logger: Logger(label: "test"))
        try enter("#dev%10.0.0.1", nick: "alice", on: service)
        try enter("#dev%irc.example.net", nick: "a b", on: service)
        try enter("not a channel", nick: "alice", on: service)
        #expect(link.refusals == ["not-allowed", "jid-malformed", "item-not-found"])
        #expect(service.puppetCount == 0)
    }
}
