import Logging
import NIOSSL
import Synchronization

/// A TLS server context that a reload (SIGHUP) can replace, so that a renewed certificate
/// is used without a restart: connections accepted afterwards get the context loaded last,
/// those already open keep theirs, and a reload that fails (a missing or half-written file)
/// keeps the previous context and reports why.
public final class ReloadableTLSContext: Sendable {
    private let context: Mutex<NIOSSLContext>
    private let load: @Sendable () throws -> NIOSSLContext

    /// Loads the first context now; `load` is called again by every `reload()`.
    public init(load: @escaping @Sendable () throws -> NIOSSLContext) throws {
        context = Mutex(try load())
        self.load = load
    }

    /// A context from `TLSMaterial.load` (the configured PEM files, or the self-signed
    /// certificate in the storage directory), read again by every reload.
    public convenience init(
        certificatePath: String?, keyPath: String?, storageDirectory: String, domain: String, logger: Logger
    ) throws {
        try self.init {
            try TLSMaterial.load(
                certificatePath: certificatePath, keyPath: keyPath, storageDirectory: storageDirectory, domain: domain,
                logger: logger
            ).makeServerContext()
        }
    }

    /// The context for a connection accepted now.
    public var current: NIOSSLContext { context.withLock { $0 } }

    /// Loads the files again; on failure the running context stays and the error is thrown.
    public func reload() throws {
        let fresh = try load()
        context.withLock { $0 = fresh }
    }

    /// `reload()`, with the outcome logged as `"<plugin>: TLS certificate reloaded"` or
    /// `"<plugin>: TLS certificate not reloaded; the running one stays"` (operators and
    /// tests read these lines).
    public func reload(plugin: String, logger: Logger) {
        do {
            try reload()
            logger.notice("\(plugin): TLS certificate reloaded")
        } catch {
            logger.error("\(plugin): TLS certificate not reloaded; the running one stays", metadata: ["error": "\(error)"])
        }
    }
}
