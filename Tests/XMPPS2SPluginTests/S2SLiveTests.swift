import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ParleyXMPPNIO
import ParleyXML
import ParleyXMPP
import Testing
import XMPPTestSupport

@testable import XMPPS2SPlugin

/// Two Parley domains in this process federating over loopback (dialback over STARTTLS
/// with the self-signed certificates each makes), found through the `hosts` option; and
/// what a sender sees when the remote domain cannot be reached.
@Suite(.serialized) struct S2SLiveTests {
    /// a.test and b.test, each knowing where the other is.
    static func worlds(extra: [String: String] = [:]) async throws -> (S2SWorld, S2SWorld) {
        let portA = try await S2SWorld.freePort(), portB = try await S2SWorld.freePort()
        var optionsA = ["hosts": "b.test=127.0.0.1:\(portB)"]
        optionsA.merge(extra) { _, new in new }
        let a = try await S2SWorld(domain: "a.test", s2sPort: portA, s2s: optionsA, accounts: [("alice", "alicepw")])
        let b = try await S2SWorld(
            domain: "b.test", s2sPort: portB, s2s: ["hosts": "a.test=127.0.0.1:\(portA)"], accounts: [("bob", "bobpw")])
        return (a, b)
    }

    @Test func chatCrossesBothWaysKeepingPayloads() async throws {
        let (a, b) = try await Self.worlds()
        let (alice, _) = try await a.user("alice", "alicepw")
        let (bob, _) = try await b.user("bob", "bobpw")
        alice.send(
            "<message to='bob@b.test/r' type='chat' id='m1'><body>hëllo</body><x xmlns='urn:example:t'><i n='1'/></x></message>")
        let got = try await bob.element(where: "alice's message", seconds: 15) { $0.name == "message" }
        #expect(got[attribute: "from"] == "alice@a.test/r")
        #expect(got.firstChild(named: "body")?.text == "hëllo")
        #expect(got.firstChild(named: "x", namespace: "urn:example:t")?.firstChild(named: "i")?[attribute: "n"] == "1")
        bob.send("<message to='alice@a.test' type='chat' id='m2'><body>back</body></message>")
        let reply = try await alice.element(where: "bob's reply", seconds: 15) { $0.name == "message" }
        #expect(reply[attribute: "from"] == "bob@b.test/r")
        #expect(reply.firstChild(named: "body")?.text == "back")
        // The server answers for itself across the federation (XEP-0199, XEP-0092).
        let version = try await alice.iq("<iq type='get' to='b.test' id='v1'><query xmlns='jabber:iq:version'/></iq>", id: "v1")
        #expect(version[attribute: "type"] == "result")
        #expect(version.firstChild(named: "query")?.firstChild(named: "name")?.text == "Parley")
        await alice.close()
        await bob.close()
        await a.stop()
        await b.stop()
    }

    /// RFC 6121 §8.5.2.2: a message from a remote user to an offline local user waits for
    /// their next login (with its delay stamp); one to an account that does not exist
    /// comes back as service-unavailable.
    @Test func offlineMessagesFromAnotherServer() async throws {
        let (a, b) = try await Self.worlds()
        let (alice, _) = try await a.user("alice", "alicepw")
        alice.send("<message to='bob@b.test' type='chat' id='o1'><body>while you were out</body></message>")
        alice.send("<message to='nobody@b.test' type='chat' id='o2'><body>anyone?</body></message>")
        let bounce = try await alice.element(where: "the bounce", seconds: 15) { $0.name == "message" }
        #expect(bounce[attribute: "id"] == "o2")
        #expect(bounce.firstChild(named: "error")?.firstChild(named: "service-unavailable") != nil)
        let (bob, _) = try await b.user("bob", "bobpw")
        let kept = try await bob.element(where: "the kept message", seconds: 15) { $0.name == "message" }
        #expect(kept[attribute: "from"] == "alice@a.test/r")
        #expect(kept.firstChild(named: "body")?.text == "while you were out")
        #expect(kept.firstChild(named: "delay", namespace: XMPPNamespace.delay) != nil)
        await alice.close()
        await bob.close()
        await a.stop()
        await b.stop()
    }

    /// XEP-0368: a.test reaches b.test on its direct TLS port (TLS from the first byte,
    /// ALPN xmpp-server); b.test answers over STARTTLS.
    @Test func directTLS() async throws {
        let portA = try await S2SWorld.freePort(), portB = try await S2SWorld.freePort(), tlsB = try await S2SWorld.freePort()
        let a = try await S2SWorld(
            domain: "a.test", s2sPort: portA, s2s: ["hosts": "b.test=xmpps://127.0.0.1:\(tlsB)"], accounts: [("alice", "alicepw")])
        let b = try await S2SWorld(
            domain: "b.test", s2sPort: portB, s2s: ["hosts": "a.test=127.0.0.1:\(portA)", "direct-tls-port": "\(tlsB)"],
            accounts: [("bob", "bobpw")])
        let (alice, _) = try await a.user("alice", "alicepw")
        let (bob, _) = try await b.user("bob", "bobpw")
        alice.send("<message to='bob@b.test/r' type='chat' id='d1'><body>direct</body></message>")
        let got = try await bob.element(where: "alice's message", seconds: 15) { $0.name == "message" }
        #expect(got.firstChild(named: "body")?.text == "direct")
        await alice.close()
        await bob.close()
        await a.stop()
        await b.stop()
    }

    /// `denied-domains`: nothing goes to a denied domain (remote-server-not-found at once)
    /// and nothing comes from it (its stream is refused), both ways.
    @Test func aDeniedDomainIsCutOffBothWays() async throws {
        let (a, b) = try await Self.worlds(extra: ["denied-domains": "b.test"])
        let (alice, _) = try await a.user("alice", "alicepw")
        let (bob, _) = try await b.user("bob", "bobpw")
        alice.send("<message to='bob@b.test/r' type='chat' id='n1'><body>no</body></message>")
        let bounce = try await alice.element(where: "the bounce", seconds: 15) { $0.name == "message" }
        #expect(bounce.firstChild(named: "error")?.firstChild(named: "remote-server-not-found") != nil)
        bob.send("<message to='alice@a.test/r' type='chat' id='n2'><body>let me in</body></message>")
        let refused = try await bob.element(where: "bob's bounce", seconds: 15) { $0.name == "message" }
        #expect(refused[attribute: "type"] == "error")
        #expect(refused[attribute: "id"] == "n2")
        await alice.close()
        await bob.close()
        await a.stop()
        await b.stop()
    }

    /// SIGHUP: a new certificate in storage/tls/ is what the next stream presents.
    @Test func aReloadPresentsTheNewCertificate() async throws {
        let port = try await S2SWorld.freePort(), tlsPort = try await S2SWorld.freePort()
        let world = try await S2SWorld(domain: "a.test", s2sPort: port, s2s: ["direct-tls-port": "\(tlsPort)"], accounts: [])
        let before = try await Self.presentedFingerprint(port: tlsPort)
        let (certificate, key) = TLSMaterial.storagePaths(storageDirectory: world.directory, domain: "a.test")
        let fresh = try TLSMaterial.makeSelfSigned(domain: "a.test")
        try fresh.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try fresh.keyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        let expected = try TLSMaterial(certificatePath: certificate, keyPath: key).fingerprint
        #expect(try await Self.presentedFingerprint(port: tlsPort) == before, "nothing changes before the reload")
        await (world.s2s as? S2SService)?.reload()
        #expect(try await Self.presentedFingerprint(port: tlsPort) == expected)
        #expect(expected != before)
        await world.stop()
    }

    /// The SHA-256 fingerprint of the certificate the direct TLS port presents.
    static func presentedFingerprint(port: Int) async throws -> String {
        let seen = NIOLockedValueBox<String?>(nil)
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .noHostnameVerification
        configuration.applicationProtocols = ["xmpp-server"]
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: context, serverHostname: "a.test") { chain, promise in
                            if let der = try? chain.first?.toDERBytes() {
                                seen.withLockedValue { $0 = SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":") }
                            }
                            promise.succeed(.certificateVerified)
                        })
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        for _ in 0..<200 where seen.withLockedValue({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        try? await channel.close()
        return try #require(seen.withLockedValue { $0 })
    }

    @Test func anUnreachableDomainBouncesRemoteServerNotFound() async throws {
        let closedPort = try await S2SWorld.freePort()
        let (a, b) = try await Self.worlds(extra: ["hosts": "b.test=127.0.0.1:1,gone.test=127.0.0.1:\(closedPort)"])
        let (alice, _) = try await a.user("alice", "alicepw")
        alice.send("<message to='carol@gone.test' type='chat' id='x1'><body>anyone?</body></message>")
        let bounce = try await alice.element(where: "the bounce", seconds: 15) { $0.name == "message" }
        #expect(bounce[attribute: "type"] == "error")
        #expect(bounce[attribute: "from"] == "carol@gone.test")
        #expect(bounce.firstChild(named: "error")?.firstChild(named: "remote-server-not-found") != nil)
        await alice.close()
        await a.stop()
        await b.stop()
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        // A TCP listener that accepts and says nothing.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(silent.localAddress?.port)
        let (a, b) = try await Self.worlds(extra: ["hosts": "silent.test=127.0.0.1:\(port)", "negotiation-timeout": "1"])
        let (alice, _) = try await a.user("alice", "alicepw")
        let started = Date()
        alice.send("<message to='dave@silent.test' type='chat' id='t1'><body>hello?</body></message>")
        let bounce = try await alice.element(where: "the bounce", seconds: 15) { $0.name == "message" }
        #expect(bounce.firstChild(named: "error")?.firstChild(named: "remote-server-timeout") != nil)
        #expect(Date().timeIntervalSince(started) >= 0.9)
        await alice.close()
        try await silent.close()
        await a.stop()
        await b.stop()
    }
}
