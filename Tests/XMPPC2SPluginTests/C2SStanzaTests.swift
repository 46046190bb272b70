import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import XMPPC2SPlugin

/// RFC 6121 IM and presence, and the server's own IQs, through a real listener.
@Suite(.serialized) struct C2SStanzaTests {
    @Test func chatBothWaysKeepsAnUnknownExtensionTree() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        let aliceJID = try await alice.login("alice", "alicepw")
        let bob = try await server.client()
        let bobJID = try await bob.login("bob", "bobpw")

        let extensionXML = "<x xmlns='urn:example:parley:test' a='1'><item n='1'>v &amp; w</item><empty/></x>"
        alice.send("<message to='\(bobJID)' type='chat' id='m1'><body>hi bob</body>\(extensionXML)</message>")
        let received = try await bob.element(where: "alice's message") { $0.name == "message" }
        #expect(received[attribute: "from"] == aliceJID.description)
        #expect(received[attribute: "type"] == "chat")
        #expect(received[attribute: "id"] == "m1")
        #expect(received.firstChild(named: "body")?.text == "hi bob")
        let expected = try XMLStreamParser.parseDocument(extensionXML)
        #expect(received.firstChild(named: "x", namespace: "urn:example:parley:test") == expected)

        bob.send("<message to='\(aliceJID.bare)' type='chat'><body>hi alice</body></message>")
        let reply = try await alice.element(where: "bob's reply") { $0.name == "message" }
        #expect(reply[attribute: "from"] == bobJID.description)
        #expect(reply.firstChild(named: "body")?.text == "hi alice")
    }

    @Test func bareJIDMessagesGoToTheHighestNonNegativePriority() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let high = try await server.client()
        try await high.login("bob", "bobpw", resource: "high", presence: "<presence><priority>5</priority></presence>")
        let low = try await server.client()
        try await low.login("bob", "bobpw", resource: "low", presence: "<presence><priority>1</priority></presence>")
        let alice = try await server.client()
        try await alice.login("alice", "alicepw")
        // Let both presences settle: each bob resource sees the other's.
        _ = try await high.element(where: "low's presence") { $0.name == "presence" && $0[attribute: "from"]?.hasSuffix("/low") == true }

        alice.send("<message to='bob@example.test' type='chat'><body>first</body></message>")
        let got = try await high.element(where: "the message at the high resource") { $0.name == "message" }
        #expect(got.firstChild(named: "body")?.text == "first")
        // The low resource must not get it: a ping after the message proves order.
        let pong = try await low.iq("<iq type='get' id='after'><ping xmlns='urn:xmpp:ping'/></iq>", id: "after")
        #expect(pong[attribute: "type"] == "result")

        // §8.5.2.1.1: a negative priority never receives bare-JID messages.
        high.send("<presence><priority>-1</priority></presence>")
        let pong2 = try await high.iq("<iq type='get' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>", id: "sync")
        #expect(pong2[attribute: "type"] == "result")
        alice.send("<message to='bob@example.test' type='chat'><body>second</body></message>")
        let second = try await low.element(where: "the message at the low resource") { $0.name == "message" }
        #expect(second.firstChild(named: "body")?.text == "second")
        let pong3 = try await high.iq("<iq type='get' id='sync2'><ping xmlns='urn:xmpp:ping'/></iq>", id: "sync2")
        #expect(pong3[attribute: "type"] == "result")
    }

    @Test func anOfflineMessageIsDeliveredAtTheNextLoginWithADelayStamp() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        let aliceJID = try await alice.login("alice", "alicepw")
        alice.send("<message to='bob@example.test' type='chat' id='off1'><body>while you were out</body></message>")
        // A message to an account that does not exist is refused (§8.5.2.1).
        alice.send("<message to='nobody@example.test' type='chat' id='nobody'><body>?</body></message>")
        let refused = try await alice.element(where: "the error for nobody") { $0[attribute: "id"] == "nobody" }
        #expect(refused[attribute: "type"] == "error")
        #expect(StanzaError(from: refused)?.condition == .serviceUnavailable)

        let bob = try await server.client()
        try await bob.login("bob", "bobpw")
        let stored = try await bob.element(where: "the offline message") { $0.name == "message" }
        #expect(stored[attribute: "from"] == aliceJID.description)
        #expect(stored.firstChild(named: "body")?.text == "while you were out")
        let delay = try #require(stored.firstChild(named: "delay", namespace: XMPPNamespace.delay))
        #expect(delay[attribute: "from"] == "example.test")
        #expect(delay[attribute: "stamp"]?.hasSuffix("Z") == true)

        // Delivered once: a second login finds nothing stored.
        let again = try await server.client()
        try await again.login("bob", "bobpw", resource: "second")
        let pong = try await again.iq("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>", id: "p")
        #expect(pong.name == "iq")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: server.directory + "/offline")) ?? []
        #expect(!files.contains { $0.hasSuffix(".xml") })
    }

    @Test func rosterSetIsPushedToInterestedResourcesAndVersioned() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let one = try await server.client()
        try await one.login("alice", "alicepw", resource: "one")
        let two = try await server.client()
        try await two.login("alice", "alicepw", resource: "two")
        let empty = try await two.iq("<iq type='get' id='r0'><query xmlns='jabber:iq:roster'/></iq>", id: "r0")
        let version0 = try #require(empty.firstChild(named: "query")?[attribute: "ver"])
        #expect(empty.firstChild(named: "query")?.elements.isEmpty == true)
        _ = try await one.iq("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>", id: "r1")
        // A resource that never asked for the roster gets no pushes (RFC 6121 §2.1.6).
        let three = try await server.client()
        try await three.login("alice", "alicepw", resource: "three", presence: nil)

        let set = try await one.iq(
            "<iq type='set' id='add'><query xmlns='jabber:iq:roster'><item jid='bob@example.test' name='Bob'><group>Friends</group></item></query></iq>",
            id: "add")
        #expect(set[attribute: "type"] == "result")
        let push = try await two.element(where: "the roster push") {
            $0.name == "iq" && $0[attribute: "type"] == "set"
        }
        let item = try #require(push.firstChild(named: "query", namespace: XMPPNamespace.roster)?.firstChild(named: "item"))
        #expect(item[attribute: "jid"] == "bob@example.test")
        #expect(item[attribute: "name"] == "Bob")
        #expect(item[attribute: "subscription"] == "none")
        #expect(item.firstChild(named: "group")?.text == "Friends")
        let version1 = push.firstChild(named: "query")?[attribute: "ver"]
        #expect(version1 != version0)
        two.send("<iq type='result' id='\(push[attribute: "id"] ?? "")'/>")
        let unasked = try await three.elementsUntilPing()
        #expect(!unasked.contains { $0.name == "iq" && $0[attribute: "type"] == "set" }, "\(unasked)")

        // §2.6.3: the current version gets an empty result.
        let current = try await two.iq(
            "<iq type='get' id='r2'><query xmlns='jabber:iq:roster' ver='\(version1 ?? "")'/></iq>", id: "r2")
        #expect(current[attribute: "type"] == "result")
        #expect(current.firstChild(named: "query") == nil)

        // Removal: a push with subscription='remove'.
        _ = try await one.iq(
            "<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='bob@example.test' subscription='remove'/></query></iq>",
            id: "rm")
        let removal = try await two.element(where: "the removal push") { $0.name == "iq" && $0[attribute: "type"] == "set" }
        #expect(removal.firstChild(named: "query")?.firstChild(named: "item")?[attribute: "subscription"] == "remove")
        // Two items in one set is a bad request (§2.3.3).
        let bad = try await one.iq(
            "<iq type='set' id='two'><query xmlns='jabber:iq:roster'><item jid='a@example.test'/><item jid='b@example.test'/></query></iq>",
            id: "two")
        #expect(StanzaError(from: bad)?.condition == .badRequest)
    }

    @Test func theSubscriptionHandshakeEndsInBoth() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        try await alice.login("alice", "alicepw")
        let bob = try await server.client()
        try await bob.login("bob", "bobpw")
        _ = try await alice.iq("<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>", id: "r")

        alice.send("<presence to='bob@example.test' type='subscribe'/>")
        let request = try await bob.element(where: "the subscribe") { $0[attribute: "type"] == "subscribe" }
        #expect(request[attribute: "from"] == "alice@example.test")
        bob.send("<presence to='alice@example.test' type='subscribed'/>")
        bob.send("<presence to='alice@example.test' type='subscribe'/>")
        let back = try await alice.element(where: "bob's subscribe") { $0[attribute: "type"] == "subscribe" }
        #expect(back[attribute: "from"] == "bob@example.test")
        alice.send("<presence to='bob@example.test' type='subscribed'/>")

        let both = try await alice.element(where: "the push with both") {
            $0.name == "iq" && $0.firstChild(named: "query")?.firstChild(named: "item")?[attribute: "subscription"] == "both"
        }
        #expect(both.firstChild(named: "query")?.firstChild(named: "item")?[attribute: "jid"] == "bob@example.test")
        let list = try server.store.contactsPath(for: .init("bob")!)
        #expect(FileManager.default.fileExists(atPath: list))
        // Bob's side changes after alice's: her `subscribed` reaches bob once his list has it.
        _ = try await bob.element(where: "alice's subscribed") {
            $0.name == "presence" && $0[attribute: "type"] == "subscribed" && $0[attribute: "from"] == "alice@example.test"
        }
        let roster = try await bob.iq("<iq type='get' id='rb'><query xmlns='jabber:iq:roster'/></iq>", id: "rb")
        let item = roster.firstChild(named: "query")?.firstChild(named: "item")
        #expect(item?[attribute: "jid"] == "alice@example.test")
        #expect(item?[attribute: "subscription"] == "both")
    }

    @Test func unavailableIsBroadcastWhenTheConnectionDrops() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        try await alice.login("alice", "alicepw")
        let bob = try await server.client()
        try await bob.login("bob", "bobpw")
        alice.send("<presence to='bob@example.test' type='subscribe'/>")
        _ = try await bob.element(where: "subscribe") { $0[attribute: "type"] == "subscribe" }
        bob.send("<presence to='alice@example.test' type='subscribed'/>")
        // Alice now receives bob's presence; bob drops the TCP connection without closing.
        _ = try await alice.element(where: "bob available") { $0.name == "presence" && $0[attribute: "type"] == nil && $0[attribute: "from"]?.hasPrefix("bob@") == true }
        try await bob.channel.close()
        let gone = try await alice.element(where: "bob unavailable") {
            $0.name == "presence" && $0[attribute: "type"] == "unavailable"
        }
        #expect(gone[attribute: "from"]?.hasPrefix("bob@example.test/") == true)
    }

    @Test func serverIQs() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.login("alice", "alicepw")
        let pong = try await client.iq(
            "<iq type='get' id='p' to='example.test'><ping xmlns='urn:xmpp:ping'/></iq>", id: "p")
        #expect(pong[attribute: "type"] == "result")
        #expect(pong[attribute: "from"] == "example.test")

        let info = try await client.iq(
            "<iq type='get' id='i' to='example.test'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", id: "i")
        let features = info.firstChild(named: "query")?.elements.filter { $0.name == "feature" }.compactMap { $0[attribute: "var"] } ?? []
        for feature in [XMPPNamespace.ping, XMPPNamespace.version, XMPPNamespace.discoInfo, XMPPNamespace.discoItems, XMPPNamespace.register] {
            #expect(features.contains(feature), "\(feature) in \(features)")
        }
        let identity = info.firstChild(named: "query")?.firstChild(named: "identity")
        #expect(identity?[attribute: "category"] == "server")
        #expect(identity?[attribute: "type"] == "im")

        let items = try await client.iq(
            "<iq type='get' id='it' to='example.test'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>", id: "it")
        #expect(items[attribute: "type"] == "result")

        let version = try await client.iq(
            "<iq type='get' id='v' to='example.test'><query xmlns='jabber:iq:version'/></iq>", id: "v")
        #expect(version.firstChild(named: "query")?.firstChild(named: "name")?.text == "Parley")

        // RFC 6120 §8.4: an unknown namespace is service-unavailable.
        let unknown = try await client.iq(
            "<iq type='get' id='u' to='example.test'><query xmlns='urn:example:unknown'/></iq>", id: "u")
        #expect(StanzaError(from: unknown)?.condition == .serviceUnavailable)
        // Two children in a get is bad-request.
        let twoChildren = try await client.iq(
            "<iq type='get' id='two'><ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/></iq>", id: "two")
        #expect(StanzaError(from: twoChildren)?.condition == .badRequest)
        // Another domain: no route.
        let remote = try await client.iq(
            "<iq type='get' id='r' to='remote.example'><ping xmlns='urn:xmpp:ping'/></iq>", id: "r")
        #expect(StanzaError(from: remote)?.condition == .remoteServerNotFound)
    }

    @Test func iqsBetweenClientsAreRoutedToTheFullJID() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        let aliceJID = try await alice.login("alice", "alicepw")
        let bob = try await server.client()
        let bobJID = try await bob.login("bob", "bobpw")
        alice.send("<iq type='get' id='q1' to='\(bobJID)'><query xmlns='urn:example:custom'><x/></query></iq>")
        let request = try await bob.element(where: "the routed iq") { $0.name == "iq" }
        #expect(request[attribute: "from"] == aliceJID.description)
        #expect(request.firstChild(named: "query", namespace: "urn:example:custom")?.firstChild(named: "x") != nil)
        bob.send("<iq type='result' id='q1' to='\(aliceJID)'><query xmlns='urn:example:custom'>ok</query></iq>")
        let answer = try await alice.element(where: "the answer") { $0.name == "iq" && $0[attribute: "id"] == "q1" }
        #expect(answer[attribute: "type"] == "result")
        #expect(answer[attribute: "from"] == bobJID.description)
        // A full JID with no session: service-unavailable (RFC 6121 §8.5.3.2.3).
        let missing = try await alice.iq(
            "<iq type='get' id='q2' to='bob@example.test/nowhere'><query xmlns='urn:example:custom'/></iq>", id: "q2")
        #expect(StanzaError(from: missing)?.condition == .serviceUnavailable)
    }

    @Test func inBandRegistrationPasswordChangeAndRemoval() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openStream()
        try await client.startTLS()
        try await client.openStream()
        let form = try await client.iq("<iq type='get' id='f'><query xmlns='jabber:iq:register'/></iq>", id: "f")
        let query = try #require(form.firstChild(named: "query", namespace: XMPPNamespace.register))
        #expect(query.firstChild(named: "username") != nil)
        #expect(query.firstChild(named: "password") != nil)
        #expect(query.firstChild(named: "x", namespace: XMPPNamespace.dataForms) != nil)
        let created = try await client.iq(
            "<iq type='set' id='c'><query xmlns='jabber:iq:register'><username>carol</username><password>carolpw</password></query></iq>",
            id: "c")
        #expect(created[attribute: "type"] == "result", "\(created)")
        let taken = try await client.iq(
            "<iq type='set' id='t'><query xmlns='jabber:iq:register'><username>alice</username><password>x</password></query></iq>",
            id: "t")
        #expect(StanzaError(from: taken)?.condition == .conflict)
        let missing = try await client.iq(
            "<iq type='set' id='m'><query xmlns='jabber:iq:register'><username>dave</username></query></iq>", id: "m")
        #expect(StanzaError(from: missing)?.condition == .notAcceptable)

        let carol = try await server.client()
        try await carol.login("carol", "carolpw")
        let changed = try await carol.iq(
            "<iq type='set' id='pw'><query xmlns='jabber:iq:register'><username>carol</username><password>newpw</password></query></iq>",
            id: "pw")
        #expect(changed[attribute: "type"] == "result")
        let relogin = try await server.client()
        try await relogin.login("carol", "newpw", resource: "two")
        relogin.send("<iq type='set' id='rm'><query xmlns='jabber:iq:register'><remove/></query></iq>")
        let removed = try await relogin.element(where: "the removal result") { $0[attribute: "id"] == "rm" }
        #expect(removed[attribute: "type"] == "result")
        try await relogin.expectStreamError("not-authorized")
        #expect(try server.store.accountExists(.init("carol")!) == false)
    }

    @Test func aFloodingClientDoesNotStallOthers() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let bob = try await server.client()
        try await bob.login("bob", "bobpw")
        let alice = try await server.client()
        try await alice.login("alice", "alicepw")
        let carolless = try await server.client()
        try await carolless.login("alice", "alicepw", resource: "quiet")
        // 5,000 messages at once to a user who reads them; the quiet session still gets
        // its answer.
        var flood = ""
        for index in 0..<5000 { flood += "<message to='bob@example.test/test' type='chat'><body>\(index)</body></message>" }
        alice.send(flood)
        let pong = try await carolless.iq("<iq type='get' id='quiet'><ping xmlns='urn:xmpp:ping'/></iq>", id: "quiet")
        #expect(pong[attribute: "type"] == "result")
        let last = try await bob.element(where: "the last flood message", seconds: 30) {
            $0.name == "message" && $0.firstChild(named: "body")?.text == "4999"
        }
        #expect(last[attribute: "type"] == "chat")
    }
}
