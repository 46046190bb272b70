import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import XMPPC2SPlugin

/// A feature is one value that registers hooks: against a live listener, its IQ, message
/// and presence handlers see the clients' stanzas and answer through their context, and
/// the table maps their errors, with nothing added to the connection.
@Suite(.serialized) struct C2SHooksTests {
    static let namespace = "urn:example:test-feature"

    struct Broken: Error {}

    struct TestFeature: C2SFeature {
        func register(in hooks: inout C2SHooks) {
            hooks.advertise(C2SHooksTests.namespace)
            hooks.onIQ(.get, namespace: C2SHooksTests.namespace) { _, context in
                .result(XMLElement(name: "you", namespace: C2SHooksTests.namespace, children: [.text(context.jid.description)]))
            }
            hooks.onIQ(.set, namespace: C2SHooksTests.namespace) { _, _ in throw StanzaError(.notAcceptable, text: "never") }
            hooks.onIQ(.get, namespace: "urn:example:broken") { _, _ in throw Broken() }
            hooks.onMessage(.headline, to: .server) { stanza, context in
                var echo = XMLElement(
                    name: "message", namespace: XMPPNamespace.client,
                    attributes: [
                        XMLAttribute("from", value: "example.test"), XMLAttribute("to", value: context.jid.description),
                        XMLAttribute("type", value: "headline"),
                    ])
                echo.append(text: "seen: \(stanza.element.firstChild(named: "body")?.text ?? "")", in: "body", namespace: XMPPNamespace.client)
                await context.send(echo)
                return .handled
            }
            hooks.onPresence(.directed) { stanza, _ in
                guard stanza.to?.domain == "guarded.example.test" else { return .pass }
                throw StanzaError(.forbidden, text: "guarded")
            }
        }
    }

    @Test func aRegisteredFeatureAnswersThroughItsHooks() async throws {
        let server = try await C2SHarness(features: [TestFeature()])
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        let jid = try await alice.login("alice", "alicepw", resource: "desk")

        let get = try await alice.iq("<iq type='get' id='g'><q xmlns='\(Self.namespace)'/></iq>", id: "g")
        #expect(get[attribute: "type"] == "result")
        #expect(get.firstChild(named: "you", namespace: Self.namespace)?.text == jid.description)
        let set = try await alice.iq("<iq type='set' id='s'><q xmlns='\(Self.namespace)'/></iq>", id: "s")
        #expect(StanzaError(from: set) == StanzaError(.notAcceptable, text: "never"))
        let broken = try await alice.iq("<iq type='get' id='b'><q xmlns='urn:example:broken'/></iq>", id: "b")
        #expect(StanzaError(from: broken)?.condition == .internalServerError)
        // XEP-0030: the feature is listed with the built-in ones.
        let info = try await alice.iq(
            "<iq type='get' id='i' to='example.test'><query xmlns='\(XMPPNamespace.discoInfo)'/></iq>", id: "i")
        let features = info.firstChild(named: "query")?.elements.compactMap { $0[attribute: "var"] } ?? []
        #expect(features.contains(Self.namespace) && features.contains(XMPPNamespace.ping), "\(features)")

        alice.send("<message to='example.test' type='headline' id='h'><body>hi</body></message>")
        let echo = try await alice.element(where: "the hook's answer") { $0.name == "message" }
        #expect(echo.firstChild(named: "body")?.text == "seen: hi")

        alice.send("<presence to='room@guarded.example.test/nick' id='p'/>")
        let refused = try await alice.element(where: "the presence error") { $0.name == "presence" && $0[attribute: "id"] == "p" }
        #expect(refused[attribute: "type"] == "error")
        #expect(StanzaError(from: refused)?.condition == .forbidden)

        // What no hook takes follows the usual routing: a chat message reaches bob.
        let bob = try await server.client()
        try await bob.login("bob", "bobpw")
        // A round trip: bob's initial presence is handled, so he is available to a bare JID.
        _ = try await bob.elementsUntilPing()
        alice.send("<message to='bob@example.test' type='chat' id='c'><body>hello bob</body></message>")
        let chat = try await bob.element(where: "alice's chat") { $0.name == "message" }
        #expect(chat.firstChild(named: "body")?.text == "hello bob")
    }
}
