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

    /// The answers to IQs the gateway posted: (id, type, the first child's name or error condition).
    func answers(_ link: RecordingLink) -> [(String, String)] {
        link.posted.withLock { $0 }.compactMap { traffic in
            guard case .query(let query) = traffic else { return nil }
            let element = query.payloads.first?.native?.value as? XMLElement
            if query.kind == .error { return (query.id, element?.elements.first?.name ?? "") }
            return (query.id, element?.elements.compactMap { $0[attribute: "var"] }.joined(separator: " ") ?? "")
        }
    }

    @Test func archiveQueriesAndTheirFeatureNeedAPuppetWhoseNetworkKeepsHistory() throws {
        let link = RecordingLink()
        let service = IRCGatewayService(context: GatewayContext(link: link, settings: GatewaySettings()), settingsStore: nil, logger: Logger(label: "test"))
        let room = SessionID(user: UserID(localpart: "#dev%irc.example.net", domain: "irc.example.org"), resource: "")
        func iq(_ id: String, _ kind: Query.Kind, _ child: XMLElement) -> ChatEvent {
            .query(Query(id: id, kind: kind, from: .session(alice), to: room, payloads: [GatewayMUCRendering.payload(child)]))
        }
        try service.deliver(iq("info", .get, XMLElement(name: "query", namespace: "http://jabber.org/protocol/disco#info")), to: .session(room))
        try service.deliver(iq("mam", .set, XMLElement(name: "query", namespace: "urn:xmpp:mam:2")), to: .session(room))
        let answered = answers(link)
        #expect(answered.count == 2)
        #expect(answered.first?.0 == "info")
        #expect(answered.first?.1.contains("http://jabber.org/protocol/muc") == true)
        #expect(answered.first?.1.contains("urn:xmpp:mam:2") == false)
        #expect(answered.last?.0 == "mam" && answered.last?.1 == "not-acceptable")
    }
}
