import Logging
import ParleyHTTP
import ParleyXMPPNIO

extension C2SSettings {
    /// The HTTP listeners the WebSocket and BOSH endpoints are served on, each with its TLS
    /// (nil: plain HTTP): `http-port` (over TLS with `http-tls`) and `https-port`.
    func httpEndpoints(storageDirectory: String, domain: String, logger: Logger) throws -> [(port: Int, tls: HTTPTLS?)] {
        var endpoints: [(port: Int, tls: HTTPTLS?)] = []
        func material() throws -> HTTPTLS {
            try httpTLSMaterial(storageDirectory: storageDirectory, domain: domain, logger: logger)
        }
        if httpPort >= 0 { endpoints.append((httpPort, httpTLS ? try material() : nil)) }
        if httpsPort >= 0 { endpoints.append((httpsPort, try material())) }
        return endpoints
    }

    /// The HTTPS of the web endpoints (`wss:`, RFC 7395 §3.9; BOSH over https): the
    /// certificate STARTTLS offers (`tls-certificate`/`tls-key`, or the domain's in
    /// `storage/tls/`, already made by then).
    func httpTLSMaterial(storageDirectory: String, domain: String, logger: Logger) throws -> HTTPTLS {
        let paths = TLSMaterial.paths(
            certificatePath: certificatePath, keyPath: keyPath, storageDirectory: storageDirectory, domain: domain)
        let material = try TLSMaterial.load(
            certificatePath: certificatePath, keyPath: keyPath, storageDirectory: storageDirectory, domain: domain,
            logger: logger)
        return HTTPTLS(
            certificatePath: paths.certificate, keyPath: paths.key, certificateChain: material.certificateChain,
            privateKey: material.privateKey)
    }
}
