import Logging
import ParleyHTTP
import ParleyXMPPNIO

extension C2SSettings {
    /// The HTTPS of the WebSocket listener (`wss:`, RFC 7395 §3.9) when `http-tls` is set:
    /// the certificate STARTTLS offers (`tls-certificate`/`tls-key`, or the domain's in
    /// `storage/tls/`, already made by then); nil for plain `ws:`.
    func webSocketTLS(storageDirectory: String, domain: String, logger: Logger) throws -> HTTPTLS? {
        guard httpTLS else { return nil }
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
