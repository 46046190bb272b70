import Foundation
import NIOSSL
import ParleyXMPP
import SwiftASN1
import X509

/// Checks a remote server's certificate chain (RFC 6120 §13.7.2, RFC 6125) with
/// swift-certificates: against the configured CA file or the system's bundle, then reads
/// the identities of a chain that verifies. TLS itself accepts any certificate (a server
/// without a valid one may still authenticate with dialback, XEP-0220); what the chain
/// proves decides between SASL EXTERNAL, dialback and refusal.
final class S2STrust: Sendable {
    private let roots: CertificateStore

    /// The system bundle Debian's ca-certificates keeps.
    static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"

    init(caFile: String?) throws {
        let path = caFile ?? Self.systemBundle
        var certificates: [Certificate] = []
        if FileManager.default.fileExists(atPath: path) || caFile != nil {
            do {
                for certificate in try NIOSSLCertificate.fromPEMFile(path) {
                    if let parsed = try? Certificate(derEncoded: certificate.toDERBytes()) { certificates.append(parsed) }
                }
            } catch {
                throw S2SOptionError("cannot read the CA file \(path): \(error)")
            }
        }
        roots = CertificateStore(certificates)
    }

    /// The identities of `chain` (leaf first) when it verifies now, else `.none`.
    func names(of chain: [NIOSSLCertificate]) async -> S2SCertificateNames {
        guard let leafDER = try? chain.first?.toDERBytes(), let leaf = try? Certificate(derEncoded: leafDER) else {
            return .none
        }
        let intermediates = chain.dropFirst().compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
        var verifier = Verifier(rootCertificates: roots) { RFC5280Policy(validationTime: Date()) }
        guard case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)),
            Self.isForServers(leaf)
        else {
            return .none
        }
        return .verified(Self.identities(of: leaf))
    }

    /// RFC 5280 §4.2.1.12: a certificate whose extended key usage names only other purposes
    /// (code signing, e-mail) does not identify a server; one without the extension, or with
    /// serverAuth or clientAuth (a server is both on s2s), does.
    static func isForServers(_ certificate: Certificate) -> Bool {
        let usages: ExtendedKeyUsage?
        do {
            usages = try certificate.extensions.extendedKeyUsage
        } catch {
            return false
        }
        guard let usages else { return true }
        return usages.contains(.serverAuth) || usages.contains(.clientAuth) || usages.contains(.any)
    }

    /// RFC 6120 §13.7.1.2: DNS-IDs, SRV-IDs and XmppAddr identifiers in subjectAltName.
    static func identities(of certificate: Certificate) -> S2SCertificateIdentities {
        var identities = S2SCertificateIdentities()
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return identities }
        for name in names {
            switch name {
            case .dnsName(let dns):
                identities.dnsNames.append(dns)
            case .otherName(let other):
                guard let value = other.value else { continue }
                if other.typeID == xmppAddr, let text = try? ASN1UTF8String(asn1Any: value) {
                    identities.xmppAddresses.append(String(text))
                } else if other.typeID == srvName, let text = try? ASN1IA5String(asn1Any: value) {
                    let service = String(text)
                    if service.lowercased().hasPrefix("_xmpp-server.") {
                        identities.srvDomains.append(String(service.dropFirst("_xmpp-server.".count)))
                    }
                }
            default:
                continue
            }
        }
        return identities
    }

    /// id-on-xmppAddr (RFC 6120 §13.7.1.4) and id-on-dnsSRV (RFC 4985).
    static let xmppAddr: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 8, 5]
    static let srvName: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 8, 7]
}

/// Where a connection keeps what its peer's certificate proved: filled by the TLS
/// handler's verification callback, read once the handshake completes.
final class S2SCertificateBox: @unchecked Sendable {
    /// Written by the callback before it completes the handshake's promise and read on the
    /// channel's event loop after the handshake: the handshake orders the two.
    var names: S2SCertificateNames = .none

    /// The verification callback for NIOSSL: any chain is accepted for TLS; what it proves
    /// is recorded here.
    static func callback(trust: S2STrust, box: S2SCertificateBox) -> NIOSSLCustomVerificationCallback {
        { chain, promise in
            Task {
                box.names = await trust.names(of: chain)
                promise.succeed(.certificateVerified)
            }
        }
    }
}
