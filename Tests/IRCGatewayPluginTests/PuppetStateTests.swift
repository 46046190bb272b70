import Foundation
import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ParleyMUC
import ParleyXML
import Testing

@testable import IRCGatewayPlugin

/// The puppet's protocol logic without sockets: requests and IRC events in, actions out.
@Suite struct PuppetStateTests {
    /// The state only reads the link's domain; nothing is sent through it here.
    struct UnusedLink: ComponentLink {
        let domain = "irc.example.org"
        func send(_ message: Message) async throws(DeliveryError) {}
        func send(_ query: Query) async throws(DeliveryError) {}
        func sendPresence(_ presence: Presence, from: SessionID, to: Address) async throws(DeliveryError) {}
        func sendSubscription(_ request: SubscriptionRequest, from: UserID, to: UserID) async throws(DeliveryError) {}
        func probe(_ user: UserID, from: UserID) async throws(DeliveryError) {}
        func post(_ traffic: ComponentTraffic) {}
    }

    static let alice = UserID(localpart: "alice", domain: "example.org")
    static let desk = SessionID(user: alice, resource: "desk")
    static let phone = SessionID(user: alice, resource: "phone")
    static let dev = GatewayAddress.channel(network: "irc.example.net", name: "#dev")

    func state(idle: Int = 0, user settings: NetworkSettings = NetworkSettings()) -> PuppetState {
        var gateway = GatewaySettings()
        gateway.idleTimeout = idle
        return PuppetState(
            user: Self.alice, network: "irc.example.net", nick: "alice", settings: settings,
            context: GatewayContext(link: UnusedLink(), settings: gateway), now: { Date(timeIntervalSince1970: 1_000) })
    }

    func enter(_ session: SessionID, nick: String = "alice", history: Int? = nil) -> GatewayRequest {
        .enter(session, channel: Self.dev, name: "#dev", nick: nick, password: nil, presence: Presence(), history: history)
    }

    /// What `actions` post: presences as "from-nick role codes → resource", messages as
    /// "from-nick: body" or "subject: text".
    func posted(_ actions: [PuppetAction]) -> [String] {
        actions.compactMap { action in
            guard case .post(let traffic) = action else { return nil }
            switch traffic {
            case .presence(let presence, let from, .session(let to)):
                let x = presence.payloads.first?.native?.value as? XMLElement
                let codes = x?.elements.filter { $0.name == "status" }.compactMap { $0[attribute: "code"] } ?? []
                let role = x?.firstChild(named: "item", namespace: MUCNamespace.user)?[attribute: "role"] ?? "-"
                let kind = presence.isError ? "error" : presence.availability.rawValue
                return "\(from.resource) \(kind) \(role) \(codes.joined(separator: ",")) → \(to.resource)"
            case .message(let message):
                guard case .session(let to) = message.to else { return "message to \(message.to)" }
                let from: String = if case .session(let occupant) = message.from { occupant.resource } else { "room" }
                if let subject = message.subject { return "subject \(subject) by \(from) → \(to.resource)" }
                return "\(from): \(message.body ?? "") → \(to.resource)"
            default:
                return "other"
            }
        }
    }

    func irc(_ line: String) -> IRCMessage { try! IRCMessage(parsing: line) }

    @Test func anEntryConnectsJoinsAndWaitsForNamesThenSendsOccupantsSelfAndSubject() {
        var puppet = state()
        let first = puppet.handle(enter(Self.desk))
        #expect(first.count == 2)
        guard case .connect(let configuration) = first[0], case .join("#dev", nil) = first[1] else {
            Issue.record("\(first)")
            return
        }
        #expect(configuration.nick == "alice" && configuration.port == 6697 && configuration.tls != nil)
        #expect(puppet.receive(.registered(nick: "alice_")).isEmpty)
        _ = puppet.receive(.other(irc(":irc.test 332 alice_ #dev :the topic")))
        let entry = puppet.receive(
            .memberChanged(
                channel: "#dev", .listed([IRCChannelMember(nick: "alice_"), IRCChannelMember(nick: "bob", prefixes: "@")])))
        // §7.2: the others, then oneself with 110 (and 210: the network gave alice_), then the subject.
        #expect(
            posted(entry) == [
                "bob available moderator  → desk", "alice_ available participant 110,210 → desk",
                "subject the topic by room → desk",
            ])
        // A second resource: no second JOIN; its entry at once, from what is known.
        let second = puppet.handle(enter(Self.phone, nick: "alice_"))
        #expect(!second.contains { if case .join = $0 { true } else { false } })
        #expect(
            posted(second) == [
                "bob available moderator  → phone", "alice_ available participant 110 → phone",
                "subject the topic by room → phone",
            ])
    }

    @Test func withEchoMessageTheReflectionIsTheEchoOnceWithTheSendersIDAndHistoryKeepsIt() {
        var puppet = state()
        _ = puppet.handle(enter(Self.desk))
        _ = puppet.receive(.capabilitiesEnabled(["echo-message", "message-tags"]))
        _ = puppet.receive(.registered(nick: "alice"))
        _ = puppet.receive(.memberChanged(channel: "#dev", .listed([IRCChannelMember(nick: "alice")])))
        let said = Message(
            id: "a1", kind: .room, from: .session(Self.desk), to: .user(Self.alice), body: "one\ntwo")
        let sent = puppet.handle(.say(Self.desk, name: "#dev", said))
        #expect(posted(sent).isEmpty)  // no reflection before the echo
        guard case .send(let lines)? = sent.first else {
            Issue.record("\(sent)")
            return
        }
        #expect(lines.map { $0.parameters[1] } == ["one", "two"])
        let echo1 = puppet.receive(.message(irc("@msgid=m9 :alice!a@h PRIVMSG #dev :one")))
        let echo2 = puppet.receive(.message(irc("@msgid=m10 :alice!a@h PRIVMSG #dev :two")))
        #expect(posted(echo1) == ["alice: one\ntwo → desk"])
        #expect(echo2.isEmpty)
        guard case .post(.message(let reflection))? = echo1.first else {
            Issue.record("\(echo1)")
            return
        }
        #expect(reflection.id == "a1")
        #expect((reflection.payloads.last?.native?.value as? XMLElement)?[attribute: "id"] == "m9")
        // Someone else's line is groupchat with the msgid; a later resource gets both as history.
        _ = puppet.receive(.message(irc("@msgid=m11 :bob!b@h PRIVMSG #dev :hi")))
        let later = puppet.handle(enter(Self.phone))
        #expect(posted(later).filter { $0.contains(":") && !$0.hasPrefix("subject") } == ["alice: one\ntwo → phone", "bob: hi → phone"])
        let history = later.compactMap { action -> Message? in
            if case .post(.message(let message)) = action, message.body != nil { message } else { nil }
        }
        #expect(history.allSatisfy { $0.meanings.contains(.timestamp(Date(timeIntervalSince1970: 1_000))) })
    }

    @Test func aChannelLeftEmptyIsPartedOnlyIfNobodyCameBackWithinTheIdleTime() {
        var puppet = state(idle: 60)
        _ = puppet.handle(enter(Self.desk))
        _ = puppet.receive(.registered(nick: "alice"))
        _ = puppet.receive(.memberChanged(channel: "#dev", .listed([IRCChannelMember(nick: "alice")])))
        let left = puppet.handle(.exit(Self.desk, name: "#dev"))
        #expect(posted(left) == ["alice unavailable none 110 → desk"])
        guard case .scheduleLeave(let key, let generation, 60)? = left.last else {
            Issue.record("\(left)")
            return
        }
        // Back before the timer: the timer's PART does not happen.
        _ = puppet.handle(enter(Self.desk))
        #expect(puppet.leaveIfIdle(key, generation: generation).isEmpty)
        // Gone again, and this time the timer fires: PART, then QUIT with no channel left.
        let again = puppet.handle(.exit(Self.desk, name: "#dev"))
        guard case .scheduleLeave(_, let second, _)? = again.last else {
            Issue.record("\(again)")
            return
        }
        let fired = puppet.leaveIfIdle(key, generation: second)
        guard fired.count == 2, case .part("#dev") = fired[0], case .finish = fired[1] else {
            Issue.record("\(fired)")
            return
        }
        #expect(puppet.finished)
    }

    @Test func aFailedFirstConnectionTriesTheNextEndpointThenRefuses() {
        var user = NetworkSettings()
        user.ports = [6667]
        var puppet = state(user: user)
        _ = puppet.handle(enter(Self.desk))
        let next = puppet.receive(.disconnected(reason: "connection refused"))
        let kinds = next.map { action -> String in
            switch action {
            case .disconnectClient: "stop"
            case .connect(let configuration): "connect \(configuration.port) tls:\(configuration.tls != nil)"
            case .join(let name, _): "join \(name)"
            case .log: "log"
            default: "other"
            }
        }
        #expect(kinds == ["stop", "log", "connect 6667 tls:false", "join #dev"])
        let refused = puppet.receive(.disconnected(reason: "connection refused"))
        #expect(posted(refused) == ["alice error -  → desk"])
        #expect(puppet.finished)
    }

    @Test func theNetworksRefusalsAreXEP0045Errors() {
        var puppet = state()
        _ = puppet.handle(enter(Self.desk))
        _ = puppet.receive(.registered(nick: "alice"))
        let banned = puppet.receive(.other(irc(":irc.test 474 alice #dev :Cannot join channel (+b)")))
        #expect(posted(banned) == ["alice error -  → desk"])
        guard case .post(.presence(let error, _, _))? = banned.first else {
            Issue.record("\(banned)")
            return
        }
        let condition = (error.payloads.first?.native?.value as? XMLElement)?.elements.first?.name
        #expect(condition == "forbidden")
    }
}

extension PuppetStateTests {
    @Test func oneChannelTooManyIsAResourceConstraint() {
        var gateway = GatewaySettings()
        gateway.maximumChannelsPerNetwork = 1
        var puppet = PuppetState(
            user: Self.alice, network: "irc.example.net", nick: "alice", settings: NetworkSettings(),
            context: GatewayContext(link: UnusedLink(), settings: gateway))
        _ = puppet.handle(enter(Self.desk))
        let second = puppet.handle(
            .enter(
                Self.desk, channel: .channel(network: "irc.example.net", name: "#ops"), name: "#ops", nick: "alice",
                password: nil, presence: Presence(), history: nil))
        #expect(posted(second) == ["alice error -  → desk"])
        #expect(puppet.channels.count == 1)
    }
}
