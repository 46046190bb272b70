import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import Testing
import X509

@testable import XMPPS2SPlugin

/// What a remote server's certificate chain proves (RFC 6120 §13.7.2): verified against
/// the configured CA, its subjectAltName identities; anything else names nothing.
@Suite struct S2STrustTests {
    struct Authority {
        let key = P256.Signing.PrivateKey()
        let certificate: Certificate
        let name: DistinguishedName

        init() throws {
            name = try DistinguishedName { CommonName("Parley test CA") }
            certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
                notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86_400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true))
                },
                issuerPrivateKey: .init(key))
        }

        func leaf(_ names: [GeneralName], validFor seconds: Double = 86_400, usages: [ExtendedKeyUsage.Usage]? = nil) throws
            -> Certificate
        {
            let leafKey = P256.Signing.PrivateKey()
            return try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
                notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(seconds),
                issuer: name, subject: try DistinguishedName { CommonName("leaf") }, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    SubjectAlternativeNames(names)
                    if let usages { try ExtendedKeyUsage(usages) }
                }, issuerPrivateKey: .init(key))
        }
    }

    static func nio(_ certificate: Certificate) throws -> NIOSSLCertificate {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
    }

    static func trust(_ authority: Authority) throws -> S2STrust {
        let path = NSTemporaryDirectory() + "parley-ca-\(UUID().uuidString).pem"
        try authority.certificate.serializeAsPEM().pemString.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try S2STrust(caFile: path)
    }

    static func xmppAddr(_ domain: String) throws -> GeneralName {
        var serializer = DER.Serializer()
        try serializer.serialize(ASN1UTF8String(domain))
        return .otherName(GeneralName.OtherName(typeID: S2STrust.xmppAddr, value: try ASN1Any(derEncoded: serializer.serializedBytes)))
    }

    @Test func aChainFromTheCANamesItsIdentities() async throws {
        let authority = try Authority()
        let trust = try Self.trust(authority)
        let leaf = try authority.leaf([.dnsName("a.test"), .dnsName("*.a.test"), try Self.xmppAddr("xmpp.a.test")])
        let names = await trust.names(of: [try Self.nio(leaf)])
        #expect(names.covers("a.test"))
        #expect(names.covers("conference.a.test"))
        #expect(names.covers("xmpp.a.test"))
        #expect(!names.covers("b.test"))
    }

    @Test func otherChainsNameNothing() async throws {
        let authority = try Authority()
        let trust = try Self.trust(authority)
        // Signed by another CA, expired, or none at all.
        let stranger = try Authority().leaf([.dnsName("a.test")])
        #expect(await trust.names(of: [try Self.nio(stranger)]) == .none)
        let expired = try authority.leaf([.dnsName("a.test")], validFor: -60)
        #expect(await trust.names(of: [try Self.nio(expired)]) == .none)
        #expect(await trust.names(of: []) == .none)
        // RFC 5280 §4.2.1.12: a certificate for e-mail only does not name a server.
        let mail = try authority.leaf([.dnsName("a.test")], usages: [.emailProtection])
        #expect(await trust.names(of: [try Self.nio(mail)]) == .none)
        let server = try authority.leaf([.dnsName("a.test")], usages: [.serverAuth])
        #expect(await trust.names(of: [try Self.nio(server)]).covers("a.test"))
    }

    @Test func anUnreadableCAFileIsAnError() {
        #expect(throws: S2SOptionError.self) { try S2STrust(caFile: "/nonexistent/ca.pem") }
    }
}
