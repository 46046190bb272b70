import Foundation
import Logging
import ParleyCore
import ParleyPubSub
import ParleyPubSubStore
import ParleyXML
import ParleyXMPP
import Testing
import XMPPTestSupport

@testable import PubSubPlugin

/// The component's shell: answers and notifications posted in order, the access facts
/// from the chat service's contact lists (in process) or none (external), a failed write
/// undone and answered `internal-server-error`, an owner's authorization form by message.
@Suite struct PubSubDeskTests {
    /// A component on a fresh store directory, with what it needs to be driven.
    struct Rig {
        let directory = NSTemporaryDirectory() + "pubsub-desk-\(UUID().uuidString)"
        let link = RecordingComponentLink(domain: "pubsub.localhost")
        let component: PubSubComponent
        let codec = XMPPExtensionCodec()

        init(contacts: PubSubContacts) throws {
            let store = try PubSubStore(directory: directory, limits: PubSubLimits())
            let service = PubSubService(jid: JID(localpart: nil, domain: "pubsub.localhost"), nodes: try store.load())
            component = PubSubComponent(
                desk: PubSubDesk(service: service, store: store, contacts: contacts, link: link, logger: Logger(label: "test")),
                queueLimit: 100)
        }

        static func session(_ user: String) -> SessionID {
            SessionID(user: UserID(localpart: user, domain: "localhost"), resource: "r")
        }

        /// Sends an IQ with `xml` as its child from `user` and returns the answer's type and
        /// first child (or error condition), once handled.
        @discardableResult
        func iq(_ kind: Query.Kind, _ xml: String, from user: String) async throws -> (Query.Kind, XMLElement?) {
            let id = UUID().uuidString
            let query = Query(
                id: id, kind: kind, from: .session(Self.session(user)),
                to: SessionID(user: UserID(localpart: "", domain: "pubsub.localhost"), resource: ""),
                payloads: [codec.payload(for: try XMLStreamParser.parseDocument(xml))])
            try component.deliver(.query(query), to: .user(query.to.user))
            await component.settle()
            let answer = link.traffic.compactMap { traffic -> Query? in
                if case .query(let answer) = traffic, answer.id == id { answer } else { nil }
            }.first
            return (answer?.kind ?? .get, answer?.payloads.first?.native?.value as? XMLElement)
        }

        /// The messages posted to `user`'s bare JID, in order.
        func messages(to user: String) -> [Message] {
            link.traffic.compactMap { traffic -> Message? in
                guard case .message(let message) = traffic, message.to == .user(UserID(localpart: user, domain: "localhost"))
                else { return nil }
                return message
            }
        }
    }

    static let ps = PubSubNamespace.pubsub

    static func condition(_ error: XMLElement?) -> String? {
        error?.elements.first { $0.namespace == XMPPNamespace.stanzaErrors }?.name
    }

    static func createPresenceNode(_ rig: Rig) async throws {
        let (kind, _) = try await rig.iq(.set, """
            <pubsub xmlns='\(ps)'><create node='mood'/><configure><x xmlns='jabber:x:data' type='submit'>\
            <field var='pubsub#access_model'><value>presence</value></field></x></configure></pubsub>
            """, from: "alice")
        #expect(kind == .result)
    }

    @Test func inProcessThePresenceModelReadsTheOwnersContactList() async throws {
        let contacts = InMemoryContactListStore()
        try await contacts.updateContactList(of: Username("alice")!) { list in
            list.upsert(Contact(address: UserID(localpart: "bob", domain: "localhost"), subscription: Subscription(from: true)))
        }
        let rig = try Rig(contacts: .local(contacts, domain: "localhost"))
        defer { try? FileManager.default.removeItem(atPath: rig.directory) }
        try await Self.createPresenceNode(rig)
        let (bob, _) = try await rig.iq(.set, "<pubsub xmlns='\(Self.ps)'><subscribe node='mood' jid='bob@localhost'/></pubsub>", from: "bob")
        #expect(bob == .result)
        let (carol, error) = try await rig.iq(
            .set, "<pubsub xmlns='\(Self.ps)'><subscribe node='mood' jid='carol@localhost'/></pubsub>", from: "carol")
        #expect(carol == .error && Self.condition(error) == "not-authorized")
        #expect(error?.firstChild(named: "presence-subscription-required", namespace: PubSubNamespace.errors) != nil)
    }

    @Test func externallyThePresenceModelRefusesAllButAffiliates() async throws {
        let rig = try Rig(contacts: .unknown)
        defer { try? FileManager.default.removeItem(atPath: rig.directory) }
        try await Self.createPresenceNode(rig)
        let (bob, error) = try await rig.iq(
            .set, "<pubsub xmlns='\(Self.ps)'><subscribe node='mood' jid='bob@localhost'/></pubsub>", from: "bob")
        #expect(bob == .error && Self.condition(error) == "not-authorized")
        let (alice, _) = try await rig.iq(
            .set, "<pubsub xmlns='\(Self.ps)'><subscribe node='mood' jid='alice@localhost'/></pubsub>", from: "alice")
        #expect(alice == .result)
    }

    /// A write that fails leaves nothing behind in memory either.
    @Test func aFailedWriteIsUndoneAndAnsweredInternalServerError() async throws {
        let rig = try Rig(contacts: .unknown)
        defer { try? FileManager.default.removeItem(atPath: rig.directory) }
        // A file where the node's folder would go: its creation cannot be written.
        try "in the way".write(toFile: rig.directory + "/news", atomically: true, encoding: .utf8)
        let (kind, error) = try await rig.iq(.set, "<pubsub xmlns='\(Self.ps)'><create node='news'/></pubsub>", from: "alice")
        #expect(kind == .error && Self.condition(error) == "internal-server-error")
        let (_, items) = try await rig.iq(.get, "<query xmlns='\(XMPPNamespace.discoItems)'/>", from: "alice")
        #expect(items?.elements.isEmpty == true)
        // Once the way is clear, the same request works.
        try FileManager.default.removeItem(atPath: rig.directory + "/news")
        let (again, _) = try await rig.iq(.set, "<pubsub xmlns='\(Self.ps)'><create node='news'/></pubsub>", from: "alice")
        #expect(again == .result)
    }

    /// §8.6: the owner gets the form in a message, answers it in a message; the subscriber
    /// is told, and the approval is on disk.
    @Test func anOwnerApprovesAPendingSubscriptionByMessage() async throws {
        let rig = try Rig(contacts: .unknown)
        defer { try? FileManager.default.removeItem(atPath: rig.directory) }
        try await rig.iq(.set, """
            <pubsub xmlns='\(Self.ps)'><create node='club'/><configure><x xmlns='jabber:x:data' type='submit'>\
            <field var='pubsub#access_model'><value>authorize</value></field></x></configure></pubsub>
            """, from: "alice")
        let (_, pending) = try await rig.iq(
            .set, "<pubsub xmlns='\(Self.ps)'><subscribe node='club' jid='bob@localhost'/></pubsub>", from: "bob")
        #expect(pending?.firstChild(named: "subscription")?[attribute: "subscription"] == "pending")
        let request = try #require(rig.messages(to: "alice").first)
        #expect(request.kind == .normal && request.from == .user(UserID(localpart: "", domain: "pubsub.localhost")))
        var form = try DataForm(element: try #require(request.payloads.first?.native?.value as? XMLElement))
        form.type = .submit
        for index in form.fields.indices where form.fields[index].variable == "pubsub#allow" {
            form.fields[index].values = ["1"]
        }
        let answer = Message(
            kind: .normal, from: .session(Rig.session("alice")), to: .user(UserID(localpart: "", domain: "pubsub.localhost")),
            payloads: [rig.codec.payload(for: form.element)])
        try rig.component.deliver(.message(answer), to: answer.to)
        await rig.component.settle()
        let told = rig.messages(to: "bob").last?.payloads.first?.native?.value as? XMLElement
        #expect(told?.firstChild(named: "subscription")?[attribute: "subscription"] == "subscribed")
        let file = try String(contentsOfFile: rig.directory + "/club/node.conf", encoding: .utf8)
        #expect(file.contains("subscription-1 = subscribed "))
    }
}
