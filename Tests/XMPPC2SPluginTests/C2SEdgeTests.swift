import Foundation
import NIOCore
import ParleyXML
import ParleyXMPP
import Testing

@testable import XMPPC2SPlugin

/// Keepalives, idle limits, message types, directed presence and IQ errors.
@Suite(.serialized) struct C2SEdgeTests {
    @Test func anIdleBoundStreamGetsWhitespaceKeepalives() async throws {
        let server = try await C2SHarness { $0.keepaliveInterval = 0.3 }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.login("alice", "alicepw")
        let before = client.bytesReceived
        try await Task.sleep(for: .milliseconds(1500))
        // RFC 6120 §4.6.1: only whitespace arrives, no stanza.
        #expect(client.bytesReceived > before)
        let pong = try await client.iq("<iq type='get' id='k'><ping xmlns='urn:xmpp:ping'/></iq>", id: "k")
        #expect(pong[attribute: "type"] == "result")
    }

    @Test func aSilentClientIsClosedWithConnectionTimeout() async throws {
        let server = try await C2SHarness { $0.idleTimeout = 1 }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.login("alice", "alicepw")
        try await client.expectStreamError("connection-timeout", seconds: 10)
    }

    @Test func messageTypesToAnAccountWithoutSessions() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let alice = try await server.client()
        try await alice.login("alice", "alicepw")
        // RFC 6121 §8.5.2.2: headline and error are dropped silently; groupchat bounces.
        alice.send("<message to='bob@example.test' type='headline' id='h'><body>news</body></message>")
        alice.send("<message to='bob@example.test' type='error' id='e'><body>x</body></message>")
        alice.send("<message to='bob@example.test' type='groupchat' id='g'><body>room?</body></message>")
        let bounce = try await alice.element(where: "the groupchat bounce") { $0[attribute: "id"] == "g" }
        #expect(StanzaError(from: bounce)?.condition == .serviceUnavailable)
        let others = try await alice.elementsUntilPing()
        #expect(!others.contains { $0[attribute: "id"] == "h" || $0[attribute: "id"] == "e" }, "\(others)")
        // normal is stored like chat, and bob gets it with its type.
        alice.send("<message to='bob@example.test' id='n'><body>plain</body></message>")
        _ = try await alice.elementsUntilPing("stored")
        let bob = try await server.client()
        try await bob.login("bob", "bobpw")
        let stored = try await bob.element(where: "the normal message") { $0.name == "message" }
        #expect(stored[attribute: "id"] == "n")
        #expect(stored[attribute: "type"] == nil)
        let more = try await bob.elementsUntilPing()
        #expect(!more.contains { $0.name == "message" }, "only the normal message was stored: \(more)")
    }

    @Test func directedPresenceAndItsUnavailable() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let bob = try await server.client()
        let bobJID = try await bob.login("bob", "bobpw")
        let alice = try await server.client()
        let aliceJID = try await alice.login("alice", "alicepw")
        // No subscription: only directed presence reaches bob (RFC 6121 §4.6).
        alice.send("<presence to='\(bobJID)'><status>just for you</status></presence>")
        let directed = try await bob.element(where: "directed presence") { $0.name == "presence" }
        #expect(directed[attribute: "from"] == aliceJID.description)
        #expect(directed.firstChild(named: "status")?.text == "just for you")
        // §4.6.3: going unavailable tells the directed-presence target too.
        alice.send("<presence type='unavailable'/>")
        let gone = try await bob.element(where: "unavailable") { $0.name == "presence" }
        #expect(gone[attribute: "type"] == "unavailable")
        #expect(gone[attribute: "from"] == aliceJID.description)
    }

    @Test func iqErrorsForKnownNamespacesAndMalformedIQs() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.login("alice", "alicepw")
        // A set where only get exists: the feature is not implemented (RFC 6120 §8.3.3.3).
        let set = try await client.iq(
            "<iq type='set' id='v' to='example.test'><query xmlns='jabber:iq:version'/></iq>", id: "v")
        #expect(StanzaError(from: set)?.condition == .featureNotImplemented)
        // No id: bad-request.
        client.send("<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>")
        let noID = try await client.element(where: "the error for an iq without id") { $0.name == "iq" }
        #expect(StanzaError(from: noID)?.condition == .badRequest)
        // Removing a roster item that is not there: item-not-found (RFC 6121 §2.5.3).
        let missing = try await client.iq(
            "<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='nobody@example.test' subscription='remove'/></query></iq>",
            id: "rm")
        #expect(StanzaError(from: missing)?.condition == .itemNotFound)
        // Another user's roster is not ours to read.
        let foreign = try await client.iq(
            "<iq type='get' id='fr' to='bob@example.test'><query xmlns='jabber:iq:roster'/></iq>", id: "fr")
        #expect(foreign[attribute: "type"] == "error")
    }
}
