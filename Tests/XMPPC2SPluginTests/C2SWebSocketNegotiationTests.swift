import NIOCore
import ParleyXML
import ParleyXMPP
import Testing

@testable import XMPPC2SPlugin

/// What the WebSocket stream offers (RFC 7395 §3.9): never STARTTLS; over a clear `ws:`
/// only what a clear TCP stream offers, over `wss:` (`http-tls`) what a TLS stream offers,
/// and so does a clear one between two loopback addresses (`http-secure-loopback`).
@Suite(.serialized) struct C2SWebSocketNegotiationTests {
    /// The features a WebSocket client from `peer` to `local` is offered first, over a
    /// listener with TLS when `overTLS` (no addresses: as for a connection that has none).
    private func features(
        overTLS: Bool = false, local: String? = nil, peer: String? = nil, _ configure: @escaping (inout C2SSettings) -> Void
    ) async throws -> XMLElement {
        let server = try await C2SHarness(configure: configure)
        defer { Task { await server.stop() } }
        var stream = server.shared.webSocketNegotiation(
            overTLS: overTLS, local: try local.map { try SocketAddress(ipAddress: $0, port: 5280) },
            peer: try peer.map { try SocketAddress(ipAddress: $0, port: 40000) })
        let header = XMLStreamHeader(
            name: "open", namespace: XMPPNamespace.framing,
            attributes: [XMLAttribute("to", value: C2SHarness.domain), XMLAttribute("version", value: "1.0")])
        for action in stream.receiveHeader(header) {
            if case .send(let element) = action { return element }
        }
        throw TestFailure("no features")
    }

    private func mechanisms(_ features: XMLElement) -> [String]? {
        features.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl)?.elements.map(\.text)
    }

    struct TestFailure: Error { let text: String; init(_ text: String) { self.text = text } }

    @Test func clearByDefaultOffersNoLogin() async throws {
        let offered = try await features { _ in }
        #expect(offered.firstChild(named: "starttls", namespace: XMPPNamespace.tls) == nil)
        #expect(mechanisms(offered) == nil)
    }

    @Test func clearWithoutRequiredTLSOffersNoPLAINUnlessAllowed() async throws {
        let strict = try await features { $0.requireTLS = false }
        #expect(mechanisms(strict)?.contains("PLAIN") == false)
        let relaxed = try await features {
            $0.requireTLS = false
            $0.allowPlainWithoutTLS = true
        }
        #expect(mechanisms(relaxed)?.contains("PLAIN") == true)
    }

    /// XEP-0206 over BOSH: the same rules, from the session creation request's header: over
    /// `https:` (a listener with TLS) what a TLS stream offers.
    @Test func boshOffersWhatTheWebSocketOffers() async throws {
        for (overTLS, expected) in [(false, nil), (true, ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])] as [(Bool, [String]?)] {
            let server = try await C2SHarness(configure: { _ in })
            var stream = overTLS ? server.shared.boshNegotiationOverTLS : server.shared.boshNegotiation
            var creation = BOSHRequest(rid: 1)
            creation.to = C2SHarness.domain
            creation.xmppVersion = "1.0"
            let features = stream.receiveHeader(creation.streamHeader).compactMap { action -> XMLElement? in
                if case .send(let element) = action { return element }
                return nil
            }.first
            await server.stop()
            let offered = try #require(features)
            #expect(offered.firstChild(named: "starttls", namespace: XMPPNamespace.tls) == nil)
            #expect(mechanisms(offered) == expected)
        }
    }

    /// `wss:`: a client on a listener with TLS (`https-port`, or `http-port` with `http-tls`)
    /// is offered what a TLS stream is.
    @Test func wssOffersWhatTLSOffers() async throws {
        let offered = try await features(overTLS: true) { _ in }
        #expect(offered.firstChild(named: "starttls", namespace: XMPPNamespace.tls) == nil)
        #expect(mechanisms(offered) == ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])
    }

    /// As Prosody's `secure_interfaces`: loopback to loopback is offered what TLS is, with
    /// `require-tls` on (the default) and nothing else relaxed.
    @Test func clearFromLoopbackToLoopbackOffersWhatTLSOffers() async throws {
        for (local, peer) in [("127.0.0.1", "127.0.0.1"), ("::1", "::1")] {
            let offered = try await features(local: local, peer: peer) { _ in }
            #expect(offered.firstChild(named: "starttls", namespace: XMPPNamespace.tls) == nil)
            #expect(mechanisms(offered) == ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"], "\(local)")
        }
    }

    /// A clear connection that crossed a network keeps `require-tls`; so does loopback with
    /// `http-secure-loopback: false`.
    @Test func clearFromElsewhereOrWithTheOptionOffKeepsRequireTLS() async throws {
        #expect(mechanisms(try await features(local: "192.168.1.2", peer: "192.168.1.7") { _ in }) == nil)
        #expect(mechanisms(try await features(local: "127.0.0.1", peer: "192.168.1.7") { _ in }) == nil)
        #expect(mechanisms(try await features(local: "192.168.1.2", peer: "127.0.0.1") { _ in }) == nil)
        #expect(mechanisms(try await features(local: "127.0.0.1", peer: "127.0.0.1") { $0.httpSecureLoopback = false }) == nil)
    }
}
