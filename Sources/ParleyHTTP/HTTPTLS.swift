import NIOSSL

/// The TLS a listener offers (HTTPS): a certificate chain and its private key, named by the
/// PEM files they were read from. Plugins on one address must agree: the same files, or all
/// plain HTTP (`HTTPListener.mount`). Two values are equal when they name the same files.
public struct HTTPTLS: Sendable, Equatable, CustomStringConvertible {
    public let certificatePath: String
    public let keyPath: String
    /// The server side of swift-nio-ssl: the chain and key, TLS 1.2 at least (1.3 preferred).
    public let configuration: TLSConfiguration

    /// `certificateChain` and `privateKey` as read from `certificatePath` and `keyPath`.
    public init(
        certificatePath: String, keyPath: String, certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey
    ) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        self.configuration = configuration
    }

    public static func == (left: HTTPTLS, right: HTTPTLS) -> Bool {
        left.certificatePath == right.certificatePath && left.keyPath == right.keyPath
    }

    /// `HTTPS with certificate <path> and key <path>`, for logs and errors.
    public var description: String { "HTTPS with certificate \(certificatePath) and key \(keyPath)" }

    /// What a listener with `tls` serves, in words: `plain HTTP`, or `description`.
    static func describe(_ tls: HTTPTLS?) -> String { tls?.description ?? "plain HTTP" }
}
