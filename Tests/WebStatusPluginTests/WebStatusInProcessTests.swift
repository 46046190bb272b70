import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing
import WebStatusPlugin

/// The component attached in process to a real chat service, driven by a user session's
/// IQs, subscriptions and presence, and its pages fetched over a real loopback socket.
@Suite("web-status in process")
struct WebStatusInProcessTests {
    var httpSettings: WebStatusSettings {
        var settings = WebStatusSettings()
        settings.httpPort = 0
        return settings
    }

    @Test func discoAndIQErrors() async throws {
        let world = try await WebStatusWorld()
        let (kind, info) = try await world.iq(.get, "<query xmlns='http://jabber.org/protocol/disco#info'/>")
        #expect(kind == .result)
        let disco = try DiscoInfo(element: try #require(info))
        #expect(disco.identities == [DiscoInfo.Identity(category: "component", type: "presence", name: "Web presence")])
        #expect(disco.supports(XMPPNamespace.discoInfo) && disco.supports(XMPPNamespace.register))
        #expect(Set(disco.features).count == disco.features.count)

        let (itemsKind, items) = try await world.iq(.get, "<query xmlns='http://jabber.org/protocol/disco#items'/>")
        #expect(itemsKind == .result)
        #expect(try DiscoItems(element: try #require(items)).items.isEmpty)

        let cases: [(Query.Kind, String, UserID?, String)] = [
            (.set, "<query xmlns='http://jabber.org/protocol/disco#info'/>", nil, "feature-not-implemented"),
            (.get, "<query xmlns='http://jabber.org/protocol/disco#info' node='x'/>", nil, "item-not-found"),
            (.get, "<query xmlns='urn:example:unknown'/>", nil, "service-unavailable"),
            (
                .get, "<query xmlns='http://jabber.org/protocol/disco#info'/>",
                UserID(localpart: "nobody", domain: "status.example.com"), "service-unavailable"
            ),
            (.set, "<query xmlns='jabber:iq:register'><remove/></query>", nil, "registration-required"),
            (.set, "<query xmlns='jabber:iq:register'/>", nil, "not-acceptable"),
        ]
        for (kind, xml, to, condition) in cases {
            let (answerKind, payload) = try await world.iq(kind, xml, to: to)
            #expect(answerKind == .error, "\(xml)")
            #expect(WebStatusWorld.condition(payload) == condition, "\(xml): \(String(describing: payload))")
        }
        await world.alice.close()
    }

    @Test func registerSubscribeSetPresenceAndReadThePageOverHTTP() async throws {
        let world = try await WebStatusWorld(settings: httpSettings)
        let http = try await RunningHTTP(board: world.board, settings: world.settings, pages: world.pages)
        let comp = world.componentAddress

        // The blank form first.
        let (_, blank) = try await world.iq(.get, "<query xmlns='jabber:iq:register'/>")
        #expect(blank.map(Registration.isRegistered) == false)

        // Submitting it registers alice; the component asks for her presence and tells
        // her the page's address.
        let id = try await world.register(["show_status_msg": "1"])
        #expect(world.aliceMind.subscriptions.contains { $0 == (comp, .subscribe) })
        let headline = try #require(world.aliceMind.messages.first { $0.kind == .headline })
        #expect(headline.body?.contains("http://127.0.0.1:\(http.port)/status/\(id)") == true)
        #expect(!id.contains("alice"))
        let file = try String(contentsOfFile: world.store.path, encoding: .utf8)
        #expect(file.contains("[user alice@example.com]\nid = \(id)\nshow-status = yes\nshow-jid = no\n"))

        // Re-registration shows what is on file.
        let (_, again) = try await world.iq(.get, "<query xmlns='jabber:iq:register'/>")
        let form = try #require(try again.flatMap(DataForm.first(in:)))
        #expect(again.map(Registration.isRegistered) == true)
        #expect(form.value(of: "show_status_msg") == "1")
        #expect(form.value(of: "show_full_jid") == "0")
        #expect(again?.firstChild(named: "instructions", namespace: XMPPNamespace.register)?.text.contains("/status/\(id)") == true)

        // Not granted yet: the page says offline.
        let before = try await httpGet(port: http.port, path: "/status/\(id)")
        #expect(before.status == 200)
        #expect(before.body.contains("Offline"))

        // alice grants the subscription, then goes away.
        try await world.alice.sendSubscription(.subscribed, to: comp)
        try await waitUntil("alice's presence at the component") {
            world.board.view(forID: id)?.availability == "online" ? true : nil
        }
        await world.alice.setPresence(Presence(.away, status: "in a meeting <b>"))
        try await waitUntil("alice away on the board") { world.board.view(forID: id)?.availability == "away" ? true : nil }

        let page = try await httpGet(port: http.port, path: "/status/\(id)")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.headers["cache-control"] == "no-store")
        #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        #expect(page.body.contains("Away"))
        #expect(page.body.contains("in a meeting &lt;b&gt;"))
        #expect(!page.body.contains("alice@example.com"), "the address is hidden unless chosen")

        let json = try await httpGet(port: http.port, path: "/status/\(id).json")
        #expect(json.status == 200)
        #expect(json.headers["content-type"] == "application/json")
        let object = try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: String]
        #expect(object == ["availability": "away", "status": "in a meeting <b>"])

        // Showing the address too.
        #expect(try await world.register(["show_full_jid": "true"]) == id, "the id stays on re-registration")
        let withJID = try await httpGet(port: http.port, path: "/status/\(id).json")
        let withJIDObject = try JSONSerialization.jsonObject(with: Data(withJID.body.utf8)) as? [String: String]
        #expect(withJIDObject?["jid"] == "alice@example.com")
        #expect(withJIDObject?["status"] == "in a meeting <b>")

        // Unknown, malformed and other paths.
        for path in ["/status/ffffffffffffffffffffffffffffffff", "/status/ffffffffffffffffffffffffffffffff.json",
            "/status/\(id)x", "/status/..%2Fetc", "/status/", "/", "/status/\(id)/more"]
        {
            let response = try await httpGet(port: http.port, path: path)
            #expect(response.status == 404, "\(path)")
        }
        // Bounded requests: a request line beyond the 8 KiB header limit is refused.
        let huge = try await httpGet(port: http.port, path: "/status/" + String(repeating: "a", count: 20_000))
        #expect(huge.status == 400)
        #expect(json.headers["access-control-allow-origin"] == "*")

        // Removing the registration: result, the component unsubscribes (RFC 6121 §3.3: alice
        // is told; its `unsubscribed` is dropped by her server, as she never subscribed to it,
        // §3.2.3), the page is gone.
        world.aliceMind.clear()
        let (removed, _) = try await world.iq(.set, "<query xmlns='jabber:iq:register'><remove/></query>")
        #expect(removed == .result)
        try await waitUntil("unsubscribe from the component") {
            world.aliceMind.subscriptions.contains { $0 == (comp, .unsubscribe) } ? true : nil
        }
        let gone = try await httpGet(port: http.port, path: "/status/\(id)")
        #expect(gone.status == 404)
        let contact = try await world.alice.contactList()[comp]
        #expect(contact?.subscription.from != true, "the component no longer sees alice's presence")
        #expect(try world.store.load().isEmpty)

        await world.alice.close()
        try await http.stop()
    }

    @Test func afterARestartTheComponentProbesItsUsersAndGrantsSubscriptions() async throws {
        let directory = try TemporaryDirectory()
        let first = try await WebStatusWorld(directory: directory)
        let comp = first.componentAddress
        let id = try await first.register(["show_status_msg": "1"])
        try await first.alice.sendSubscription(.subscribed, to: comp)
        await first.alice.setPresence(Presence(.dnd, status: "deep work"))
        try await waitUntil("dnd on the first board") { first.board.view(forID: id)?.availability == "dnd" ? true : nil }
        await first.detach()

        // A new component on the same store and chat service: it knows alice from the
        // file and learns her presence by probing (RFC 6121 §4.3).
        let second = try await WebStatusWorld(
            directory: directory, service: first.service, resource: "laptop", presence: Presence(priority: -1))
        #expect(second.board.registration(of: first.alice.id.user)?.id == id)
        try await waitUntil("dnd on the second board") {
            second.board.view(forID: id) == StatusView(availability: "dnd", status: "deep work") ? true : nil
        }

        // A user who asks to see the component's presence is granted and gets it.
        second.aliceMind.clear()
        try await second.alice.sendSubscription(.subscribe, to: comp)
        try await waitUntil("subscribed from the component") {
            second.aliceMind.subscriptions.contains { $0 == (comp, .subscribed) } ? true : nil
        }
        try await waitUntil("the component's presence") {
            second.aliceMind.presences.contains { $0.0.user == comp && $0.1.availability == .available } ? true : nil
        }
        #expect(try await second.alice.contactList()[comp]?.subscription.summary == "both")
        await first.alice.close()
        await second.alice.close()
    }

    @Test func theNumberOfRegistrationsIsBounded() async throws {
        var settings = WebStatusSettings()
        settings.maximumRegistrations = 1
        let world = try await WebStatusWorld(settings: settings)
        _ = try await world.register([:])
        let bobMind = RecordingMind()
        let bob = try await world.service.openSession(
            for: UserID(localpart: "bob", domain: WebStatusWorld.domain), resource: "r", mind: bobMind)
        try await bob.send(
            Query(
                id: "b1", kind: .set, from: .session(bob.id), to: SessionID(user: world.componentAddress, resource: ""),
                payloads: XMPPExtensionCodec().payloads(from: [
                    try XMLStreamParser.parseDocument(
                        "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'/></query>")
                ])))
        let answer = try await waitUntil("bob's answer") { bobMind.queries.first { $0.id == "b1" } }
        #expect(answer.kind == .error)
        #expect(WebStatusWorld.condition(answer.payloads.first?.native?.value as? XMLElement) == "resource-constraint")
        // alice may still change hers.
        _ = try await world.register(["show_full_jid": "1"])
        #expect(world.board.registrations.count == 1)
        await bob.close()
        await world.alice.close()
    }
}
