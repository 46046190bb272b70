import Logging
import NIOSSL
import ParleyXMPPNIO

/// What TLS on server-to-server streams uses, read together and replaced together by a
/// reload (SIGHUP): our certificate as server and as client (XEP-0178 presents it both
/// ways), each with and without the ALPN protocol of direct TLS (XEP-0368), and the trust
/// roots remote servers' certificates are checked against.
struct S2STLS: Sendable {
    let server: NIOSSLContext
    let client: NIOSSLContext
    let directServer: NIOSSLContext
    let directClient: NIOSSLContext
    let trust: S2STrust

    /// Reads the certificate (the configured files, or the self-signed one in storage/tls/)
    /// and the trust roots.
    static func load(settings: S2SSettings, storageDirectory: String, domain: String, logger: Logger) throws -> S2STLS {
        let material = try TLSMaterial.load(
            certificatePath: settings.certificatePath, keyPath: settings.keyPath, storageDirectory: storageDirectory,
            domain: domain, logger: logger)
        return try S2STLS(material: material, trust: S2STrust(caFile: settings.caFile))
    }

    init(material: TLSMaterial, trust: S2STrust) throws {
        self.trust = trust
        let chain = material.certificateChain.map { NIOSSLCertificateSource.certificate($0) }
        var server = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(material.privateKey))
        server.minimumTLSVersion = .tlsv12
        // A remote server presents its certificate as a client would (XEP-0178); one without
        // a valid one may still use dialback, so the certificate is asked for, not required.
        server.certificateVerification = .optionalVerification
        self.server = try NIOSSLContext(configuration: server)
        server.applicationProtocols = ["xmpp-server"]
        directServer = try NIOSSLContext(configuration: server)
        var client = TLSConfiguration.makeClientConfiguration()
        client.minimumTLSVersion = .tlsv12
        client.certificateChain = chain
        client.privateKey = .privateKey(material.privateKey)
        // The verification callback decides what the chain proves (S2STrust).
        client.certificateVerification = .noHostnameVerification
        self.client = try NIOSSLContext(configuration: client)
        client.applicationProtocols = ["xmpp-server"]
        directClient = try NIOSSLContext(configuration: client)
    }
}
