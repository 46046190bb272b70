import Logging
import ParleyHTTP
import ParleyLauncher
import ParleyXMPPNIO

extension PubSubHTTPSettings {
    /// The TLS the face asks of its listener: nil without `http-tls`; else the configured
    /// PEM files, or with neither given the domain's certificate in `storage/tls/` — the
    /// one xmpp-c2s offers on STARTTLS, generated there once by whichever plugin starts
    /// first (`TLSMaterial`). Option mistakes and unreadable files are `OptionError`s.
    func listenerTLS(storageDirectory: String, domain: String, logger: Logger) throws -> HTTPTLS? {
        let given = (certificate: !tlsCertificate.isEmpty, key: !tlsKey.isEmpty)
        guard tls else {
            if given.certificate || given.key {
                throw OptionError(
                    key: given.certificate ? PubSubHTTPOptions.tlsCertificate.name : PubSubHTTPOptions.tlsKey.name,
                    message: "set only with http-tls: true")
            }
            return nil
        }
        guard given.certificate == given.key else {
            throw OptionError(
                key: given.certificate ? PubSubHTTPOptions.tlsKey.name : PubSubHTTPOptions.tlsCertificate.name,
                message: "set both http-tls-certificate and http-tls-key, or neither")
        }
        let (certificatePath, keyPath) = given.certificate ? (tlsCertificate, tlsKey) : (nil, nil)
        let paths = TLSMaterial.paths(
            certificatePath: certificatePath, keyPath: keyPath, storageDirectory: storageDirectory, domain: domain)
        do {
            let material = try TLSMaterial.load(
                certificatePath: certificatePath, keyPath: keyPath, storageDirectory: storageDirectory, domain: domain,
                logger: logger)
            return HTTPTLS(
                certificatePath: paths.certificate, keyPath: paths.key, certificateChain: material.certificateChain,
                privateKey: material.privateKey)
        } catch {
            throw OptionError(key: PubSubHTTPOptions.tlsCertificate.name, message: "\(error)")
        }
    }
}
