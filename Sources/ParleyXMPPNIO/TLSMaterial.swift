import Crypto
import Foundation
import Logging
import NIOSSL
import ParleyCred
import SwiftASN1
import X509

/// The certificate chain and key a listener offers over TLS: from configured PEM files,
/// or on a first run without them a self-signed certificate for the domain, generated
/// once into the storage directory and reused afterwards.
public struct TLSMaterial: Sendable {
    public let certificateChain: [NIOSSLCertificate]
    public let privateKey: NIOSSLPrivateKey
    /// SHA-256 of the leaf certificate's DER, as colon-separated hex (what clients show).
    public let fingerprint: String

    /// Why the material could not be loaded.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads PEM files.
    public init(certificatePath: String, keyPath: String) throws {
        do {
            certificateChain = try NIOSSLCertificate.fromPEMFile(certificatePath)
            privateKey = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw LoadError(description: "cannot load TLS certificate \(certificatePath) / key \(keyPath): \(error)")
        }
        guard let leaf = certificateChain.first else {
            throw LoadError(description: "\(certificatePath) holds no certificate")
        }
        fingerprint = Self.fingerprint(ofDER: try leaf.toDERBytes())
    }

    /// The configured files when given, else `<storage>/tls/<domain>.crt|.key`, generating
    /// a self-signed certificate there when absent (logged with its fingerprint).
    public static func load(
        certificatePath: String?, keyPath: String?, storageDirectory: String, domain: String, logger: Logger
    ) throws -> TLSMaterial {
        if let certificatePath, let keyPath {
            return try TLSMaterial(certificatePath: certificatePath, keyPath: keyPath)
        }
        guard certificatePath == nil, keyPath == nil else {
            throw LoadError(description: "set both tls-certificate and tls-key, or neither")
        }
        let (certificate, key) = storagePaths(storageDirectory: storageDirectory, domain: domain)
        if !FileManager.default.fileExists(atPath: certificate) || !FileManager.default.fileExists(atPath: key) {
            let generated = try makeSelfSigned(domain: domain)
            try StorageFile.write(Array(generated.keyPEM.utf8), to: key)
            try StorageFile.write(Array(generated.certificatePEM.utf8), to: certificate)
            let material = try TLSMaterial(certificatePath: certificate, keyPath: key)
            logger.notice(
                "generated a self-signed TLS certificate",
                metadata: ["domain": "\(domain)", "path": "\(certificate)", "sha256": "\(material.fingerprint)"])
            return material
        }
        let material = try TLSMaterial(certificatePath: certificate, keyPath: key)
        logger.info("TLS certificate", metadata: ["path": "\(certificate)", "sha256": "\(material.fingerprint)"])
        return material
    }

    /// The files `load` reads: the configured pair, or the domain's in `storage/tls/`.
    public static func paths(certificatePath: String?, keyPath: String?, storageDirectory: String, domain: String)
        -> (certificate: String, key: String)
    {
        if let certificatePath, let keyPath { return (certificatePath, keyPath) }
        return storagePaths(storageDirectory: storageDirectory, domain: domain)
    }

    /// Where `load` keeps the domain's certificate when none is configured:
    /// `<storage>/tls/<domain>.crt` and `.key`.
    public static func storagePaths(storageDirectory: String, domain: String) -> (certificate: String, key: String) {
        let base = "\(storageDirectory)/tls/\(domain)"
        return (base + ".crt", base + ".key")
    }

    /// A new P-256 key and a self-signed certificate for `domain` (and `*.domain`, for
    /// components and MUC), valid for ten years, usable as its own trust root.
    public static func makeSelfSigned(domain: String, now: Date = Date()) throws -> (
        certificatePEM: String, keyPEM: String
    ) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(domain) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                // As `openssl req -x509` makes them: a client may pin this certificate as its
                // trust root (a test, or a bot trusting `storage/tls/…`); path length 0 means
                // it can sign no intermediate CA.
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName(domain), .dnsName("*.\(domain)")])
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    static func fingerprint(ofDER der: [UInt8]) -> String {
        SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    /// A server context offering TLS 1.2 and 1.3 with this material.
    public func makeServerContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }
}
