import Foundation
import ParleyXML
import ParleyXMPP
import Testing

@testable import XMPPC2SPlugin

/// RFC 6120 stream negotiation against a real listener on loopback: features at each
/// stage, STARTTLS, SASL, binding, and the stream errors for bad input.
@Suite(.serialized) struct C2SNegotiationTests {
    @Test func featuresAtEachStage() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        // §5.3.1: TLS is required first; no SASL before it.
        let first = try await client.openStream()
        let starttls = try #require(first.firstChild(named: "starttls", namespace: XMPPNamespace.tls))
        #expect(starttls.firstChild(named: "required", namespace: XMPPNamespace.tls) != nil)
        #expect(first.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl) == nil)

        try await client.startTLS()
        let second = try await client.openStream()
        #expect(second.firstChild(named: "starttls") == nil)
        let mechanisms = try #require(second.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl))
        #expect(mechanisms.elements.map(\.text) == ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])
        #expect(second.firstChild(named: "register", namespace: XMPPNamespace.registerFeature) != nil)

        #expect(try await client.authPlain("alice", "alicepw").name == "success")
        let third = try await client.openStream()
        #expect(third.firstChild(named: "bind", namespace: XMPPNamespace.bind) != nil)
        #expect(third.firstChild(named: "ver", namespace: XMPPNamespace.rosterVersioning) != nil)
        let jid = try await client.bind("laptop")
        #expect(jid.description == "alice@example.test/laptop")
        // The legacy session IQ is answered (RFC 3921 §3).
        let session = try await client.iq(
            "<iq type='set' id='s1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>", id: "s1")
        #expect(session[attribute: "type"] == "result")
        // A server-generated resource when none is asked for.
        let other = try await server.client()
        let generated = try await other.login("alice", "alicepw", resource: nil)
        #expect(generated.bare.description == "alice@example.test")
        #expect(generated.resource?.isEmpty == false)
        #expect(generated != jid)
    }

    @Test func wrongPasswordsFailWithNotAuthorizedThenTheStreamCloses() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openStream()
        try await client.startTLS()
        try await client.openStream()
        for attempt in 1...3 {
            let answer = try await client.authPlain("alice", "wrong\(attempt)")
            #expect(answer.name == "failure")
            #expect(answer.firstChild(named: "not-authorized", namespace: XMPPNamespace.sasl) != nil, "\(answer)")
        }
        try await client.expectStreamError("policy-violation")
    }

    @Test func plainIsRefusedOverACleartextStreamUnlessAllowed() async throws {
        let server = try await C2SHarness { $0.requireTLS = false }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        let features = try await client.openStream()
        let offered = features.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl)?.elements.map(\.text) ?? []
        #expect(!offered.contains("PLAIN"))
        #expect(offered.contains("SCRAM-SHA-256"))
        let answer = try await client.authPlain("alice", "alicepw")
        #expect(answer.firstChild(named: "encryption-required", namespace: XMPPNamespace.sasl) != nil, "\(answer)")

        let allowed = try await C2SHarness { $0.requireTLS = false; $0.allowPlainWithoutTLS = true }
        defer { Task { await allowed.stop() } }
        let plain = try await allowed.client()
        try await plain.login("bob", "bobpw", tls: false)
    }

    @Test func scramSHA256LogsIn() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openStream()
        try await client.startTLS()
        try await client.openStream()
        var scram = SCRAMTestClient(user: "alice", password: "alicepw")
        client.send(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>\(scram.clientFirst())</auth>")
        let challenge = try await client.element("challenge")
        #expect(challenge.name == "challenge", "\(challenge)")
        client.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(try scram.clientFinal(challenge.text))</response>")
        let success = try await client.element("success")
        #expect(success.name == "success", "\(success)")
        // RFC 5802 §5: the server proves it knows the keys too.
        #expect(try scram.verify(serverFinal: success.text))
    }

    // MARK: Bad input gets the RFC's stream error

    @Test func wrongStreamNamespaceIsInvalidNamespace() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send(
            "<stream:stream to='example.test' version='1.0' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>"
        )
        try await client.expectStreamError("invalid-namespace")
    }

    @Test func unknownHostIsHostUnknown() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send(
            "<stream:stream to='elsewhere.test' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
        )
        try await client.expectStreamError("host-unknown")
    }

    @Test func malformedXMLIsNotWellFormed() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openStream()
        client.send("<message><body>unclosed</message>")
        let text = try await client.expectStreamError("not-well-formed")
        // RFC 6120 §4.9.2: the text says what is wrong in words, not a Swift value.
        #expect(text.hasPrefix("the XML is not well-formed"), "\(text)")
        #expect(!text.contains("XMLStreamError") && !text.contains("notWellFormed"), "\(text)")
    }

    @Test func aDTDIsRestrictedXML() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        client.send("<?xml version='1.0'?><!DOCTYPE lol [<!ENTITY lol 'lol'>]><stream:stream/>")
        let text = try await client.expectStreamError("restricted-xml")
        #expect(text == "DTDs are not allowed in XMPP streams (RFC 6120 §11.1)")
    }

    @Test func aStanzaBeforeAuthenticationIsNotAuthorized() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openStream()
        client.send("<message to='bob@example.test'><body>hi</body></message>")
        try await client.expectStreamError("not-authorized")
    }

    @Test func anOversizedStanzaIsAPolicyViolationAndOthersAreUndisturbed() async throws {
        let server = try await C2SHarness { $0.maxStanzaBytes = 4096 }
        defer { Task { await server.stop() } }
        let bob = try await server.client()
        try await bob.login("bob", "bobpw")
        let alice = try await server.client()
        try await alice.login("alice", "alicepw")
        alice.send("<message to='bob@example.test'><body>\(String(repeating: "x", count: 5000))</body></message>")
        try await alice.expectStreamError("policy-violation")
        let pong = try await bob.iq("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>", id: "p1")
        #expect(pong[attribute: "type"] == "result")
    }

    @Test func aForgedFromIsInvalidFrom() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.login("alice", "alicepw")
        client.send("<message from='bob@example.test/x' to='alice@example.test'><body>forged</body></message>")
        try await client.expectStreamError("invalid-from")
    }

    @Test func anUnknownTopLevelElementIsUnsupportedStanzaType() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.login("alice", "alicepw")
        client.send("<foo/>")
        try await client.expectStreamError("unsupported-stanza-type")
    }

    @Test func theClosingHandshake() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.login("alice", "alicepw")
        client.send("</stream:stream>")
        try await client.expectClosed()
    }

    @Test func aSecondLoginWithTheSameResourceReplacesTheFirst() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let first = try await server.client()
        try await first.login("alice", "alicepw", resource: "phone")
        let second = try await server.client()
        let jid = try await second.login("alice", "alicepw", resource: "phone")
        #expect(jid.resource == "phone")
        try await first.expectStreamError("conflict")
    }

    @Test func gracefulShutdownSendsSystemShutdown() async throws {
        let server = try await C2SHarness()
        let bound = try await server.client()
        try await bound.login("alice", "alicepw")
        let negotiating = try await server.client()
        try await negotiating.openStream()
        await server.stop()
        try await bound.expectStreamError("system-shutdown")
        try await negotiating.expectStreamError("system-shutdown")
    }

    @Test func negotiationTimesOut() async throws {
        let server = try await C2SHarness { $0.negotiationTimeout = 1 }
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openStream()
        try await client.expectStreamError("connection-timeout", seconds: 15)
    }
}
