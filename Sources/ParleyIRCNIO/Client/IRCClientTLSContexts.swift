import NIOSSL
import Synchronization

/// The TLS contexts of IRC clients, one per way of verifying servers, shared by every
/// client of the process: a context holds its trust store, and a gateway with a thousand
/// users on one network must not load a thousand copies of it.
final class IRCClientTLSContexts: Sendable {
    static let shared = IRCClientTLSContexts()

    private let contexts = Mutex<[IRCClientTLS.Verification: NIOSSLContext]>([:])

    /// The context for `tls`'s verification, made on first use. Throws when the settings
    /// cannot be loaded (a missing CA file); a failure is not kept, so a later call retries.
    func context(for tls: IRCClientTLS) throws -> NIOSSLContext {
        if let context = contexts.withLock({ $0[tls.verification] }) { return context }
        let context = try Self.make(tls.verification)
        return contexts.withLock { contexts in
            if let existing = contexts[tls.verification] { return existing }
            contexts[tls.verification] = context
            return context
        }
    }

    static func make(_ verification: IRCClientTLS.Verification) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch verification {
        case .system:
            break
        case .caFile(let path):
            configuration.trustRoots = .file(path)
        case .none:
            configuration.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: configuration)
    }
}
