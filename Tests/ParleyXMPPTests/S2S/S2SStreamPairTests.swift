import Foundation
import ParleyCred
import ParleyXML
import Testing

@testable import ParleyXMPP

/// The originating side (`S2SConnectState`, a.test → b.test) and the receiving side
/// (`S2SAcceptState`, b.test) run against each other through real XML parsers, with the
/// TLS handshake and the dialback look-up played by the test: RFC 6120 §5 (STARTTLS),
/// XEP-0178 (SASL EXTERNAL), XEP-0220 (dialback).
@Suite struct S2SStreamPairTests {
    static let secretA = "secret-of-a"

    /// One stream between the two machines, with what each side did.
    struct Pair {
        var connect: S2SConnectState
        var accept: S2SAcceptState
        var toAccept = XMLStreamParser()
        var toConnect = XMLStreamParser()
        /// What the accept side asked the test to do, and the connect side's reports.
        var verifications: [DialbackVerification] = []
        var connectReports: [S2SConnectState.Action] = []
        var acceptReports: [S2SAcceptState.Action] = []
        /// What the peers' certificates prove after TLS (each as the other sees it).
        var certificateOfA: S2SCertificateNames = .none
        var certificateOfB: S2SCertificateNames = .none

        init(connect: S2SConnectState.Configuration, accept: S2SAcceptState.Configuration) {
            self.connect = S2SConnectState(configuration: connect)
            self.accept = S2SAcceptState(configuration: accept)
        }

        /// Runs until neither side has anything more to say.
        mutating func run() throws {
            try deliverToAccept(connect.start())
        }

        mutating func deliverToAccept(_ bytes: [UInt8]) throws {
            for event in try toAccept.feed(bytes) { try performAccept(accept.received(event)) }
        }

        mutating func deliverToConnect(_ bytes: [UInt8]) throws {
            for event in try toConnect.feed(bytes) { try performConnect(connect.received(event)) }
        }

        mutating func performAccept(_ actions: [S2SAcceptState.Action]) throws {
            for action in actions {
                switch action {
                case .send(let bytes):
                    try deliverToConnect(bytes)
                case .sendAndStartTLS(let bytes):
                    toAccept = XMLStreamParser()
                    try deliverToConnect(bytes)
                case .sendAndRestart(let bytes):
                    toAccept = XMLStreamParser()
                    try deliverToConnect(bytes)
                case .verifyDialback(let request):
                    verifications.append(request)
                default:
                    acceptReports.append(action)
                }
            }
        }

        mutating func performConnect(_ actions: [S2SConnectState.Action]) throws {
            for action in actions {
                switch action {
                case .send(let bytes):
                    try deliverToAccept(bytes)
                case .startTLS:
                    // Both ends are now TLS; the handshake completes on both.
                    toConnect = XMLStreamParser()
                    accept.tlsEstablished(certificateNames: certificateOfA)
                    try performConnect(connect.tlsEstablished(certificateNames: certificateOfB))
                case .restart(let bytes):
                    toConnect = XMLStreamParser()
                    try deliverToAccept(bytes)
                default:
                    connectReports.append(action)
                }
            }
        }

        /// The authoritative server of a.test checks the key, as its accept side would.
        mutating func answerVerification(secret: String = S2SStreamPairTests.secretA) throws {
            let request = try #require(verifications.first)
            verifications.removeFirst()
            let valid = DialbackKey.verify(
                request.key, secret: secret, receiving: request.receiving, originating: request.originating,
                streamID: request.streamID)
            try performAccept(accept.dialbackChecked(request, outcome: valid ? .valid : .invalid))
        }
    }

    static func acceptConfiguration(serves: Set<String> = ["b.test"], denied: Set<String> = []) -> S2SAcceptState.Configuration {
        S2SAcceptState.Configuration(
            serves: { serves.contains($0) }, admits: { !denied.contains($0) && !serves.contains($0) }, dialbackSecret: "secret-of-b")
    }

    static func connectConfiguration() -> S2SConnectState.Configuration {
        S2SConnectState.Configuration(local: "a.test", remote: "b.test", dialbackSecret: secretA)
    }

    static func verified(_ names: String...) -> S2SCertificateNames {
        .verified(S2SCertificateIdentities(dnsNames: names))
    }

    static func stanza(from: String, to: String) -> XMLStreamEvent {
        .element(
            XMLElement(
                name: "message", namespace: XMPPNamespace.server,
                attributes: [XMLAttribute("from", value: from), XMLAttribute("to", value: to), XMLAttribute("type", value: "chat")],
                children: [.element(XMLElement(name: "body", namespace: XMPPNamespace.server, children: [.text("hi")]))]))
    }

    @Test func dialbackAuthenticatesThePairAfterTLS() throws {
        var pair = Pair(connect: Self.connectConfiguration(), accept: Self.acceptConfiguration())
        try pair.run()
        #expect(pair.accept.secured)
        #expect(pair.connect.secured)
        // XEP-0220 §2.1.2: the key is checked with the authoritative server of a.test.
        let request = try #require(pair.verifications.first)
        #expect(request.originating == "a.test" && request.receiving == "b.test")
        #expect(request.streamID == pair.accept.streamID)
        #expect(pair.connectReports.contains(.readyToVerify))
        #expect(!pair.connect.isEstablished)
        try pair.answerVerification()
        #expect(pair.connectReports.contains(.established(method: "dialback")))
        #expect(pair.acceptReports.contains(.authenticated(S2SDomainPair(remote: "a.test", local: "b.test"), method: "dialback")))
        // RFC 6120 §13.7: stanzas between the authenticated pair pass; any other sender ends the stream.
        let passed = pair.accept.received(Self.stanza(from: "alice@a.test/r", to: "bob@b.test"))
        guard case .stanza(_, let stanzaPair)? = passed.first else { Issue.record("not passed: \(passed)"); return }
        #expect(stanzaPair == S2SDomainPair(remote: "a.test", local: "b.test"))
        let spoofed = pair.accept.received(Self.stanza(from: "mallory@c.test", to: "bob@b.test"))
        #expect(spoofed == [.close(StreamError(.invalidFrom, text: "c.test → b.test is not authenticated on this stream"))])
    }

    @Test func aWrongKeyIsInvalidAndEndsTheStream() throws {
        var pair = Pair(connect: Self.connectConfiguration(), accept: Self.acceptConfiguration())
        try pair.run()
        try pair.answerVerification(secret: "someone else's secret")
        #expect(pair.acceptReports.contains { if case .close(let error?) = $0 { error.condition == .notAuthorized } else { false } })
        #expect(pair.connectReports.contains { if case .fail(_, .authentication) = $0 { true } else { false } })
        #expect(pair.accept.authenticated.isEmpty)
    }

    @Test func saslExternalWhenTheCertificateNamesTheDomain() throws {
        var pair = Pair(connect: Self.connectConfiguration(), accept: Self.acceptConfiguration())
        pair.certificateOfA = Self.verified("a.test")
        pair.certificateOfB = Self.verified("b.test")
        try pair.run()
        #expect(pair.verifications.isEmpty, "no dialback when EXTERNAL succeeds")
        #expect(pair.connectReports.contains(.established(method: "SASL EXTERNAL")))
        #expect(pair.accept.authenticated == [S2SDomainPair(remote: "a.test", local: "b.test")])
        #expect(pair.connect.isEstablished)
    }

    @Test func aCertificateForAnotherDomainFallsBackToDialback() throws {
        var pair = Pair(connect: Self.connectConfiguration(), accept: Self.acceptConfiguration())
        pair.certificateOfA = Self.verified("elsewhere.test")
        try pair.run()
        // EXTERNAL is not offered for a.test; dialback is.
        #expect(pair.verifications.count == 1)
        try pair.answerVerification()
        #expect(pair.connectReports.contains(.established(method: "dialback")))
    }

    @Test func aRequiredValidCertificateRefusesAnUnverifiedServer() throws {
        var configuration = Self.connectConfiguration()
        configuration.requireValidCertificate = true
        var pair = Pair(connect: configuration, accept: Self.acceptConfiguration())
        try pair.run()
        #expect(pair.connectReports.contains { if case .fail(_, .certificate) = $0 { true } else { false } })
        #expect(!pair.connect.isEstablished)
        // TLS began a new stream that we have not opened yet: the error comes after our header
        // (RFC 6120 §4.9.1.1), so the peer's parser can read it.
        let closing = String(decoding: pair.connect.closingBytes(error: StreamError(.policyViolation)) ?? [], as: UTF8.self)
        #expect(closing.hasPrefix("<?xml version='1.0'?><stream:stream"))
        #expect(closing.hasSuffix("<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"))
    }

    /// The receiving side's `require-valid-certificate`: no dialback over a TLS channel
    /// whose certificate does not verify, and not for a domain it does not name.
    @Test func theReceivingSideRequiresAValidCertificateForDialback() throws {
        var strict = Self.acceptConfiguration()
        strict.requireValidCertificate = true
        var pair = Pair(connect: Self.connectConfiguration(), accept: strict)
        try pair.run()
        #expect(pair.verifications.isEmpty)
        #expect(pair.connectReports.contains { if case .fail(_, .authentication) = $0 { true } else { false } })

        // A verified certificate for another name: dialback is offered, but not for a.test.
        var other = Pair(connect: Self.connectConfiguration(), accept: strict)
        other.certificateOfA = Self.verified("elsewhere.test")
        try other.run()
        #expect(other.verifications.isEmpty)
        #expect(other.accept.authenticated.isEmpty)
        #expect(other.connectReports.contains { if case .fail(_, .authentication) = $0 { true } else { false } })
    }

    @Test func aDeniedDomainIsRefusedAtTheHeader() throws {
        var pair = Pair(connect: Self.connectConfiguration(), accept: Self.acceptConfiguration(denied: ["a.test"]))
        try pair.run()
        #expect(pair.acceptReports.contains { if case .close(let error?) = $0 { error.condition == .policyViolation } else { false } })
    }
}
