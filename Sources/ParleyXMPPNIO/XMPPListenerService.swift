import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A `Service` that runs one `XMPPListener` until graceful shutdown, with an optional
/// background job for its lifetime, then hands the still open connections to `shutdown`.
public final class XMPPListenerService<Connection: XMPPStreamConnection>: Service, Sendable {
    public let listener: XMPPListener<Connection>
    public let eventLoopGroup: any EventLoopGroup
    /// The bound port once listening (tests bind port 0).
    public let listeningPort = Mutex<Int?>(nil)
    private let metadata: Logger.Metadata
    private let initializer: @Sendable (any Channel) throws -> Void
    private let background: (@Sendable () async -> Void)?
    private let shutdown: @Sendable ([Connection]) async -> Void

    /// `metadata` goes on the "listening" line; `initializer` sets up each accepted channel.
    public init(
        listener: XMPPListener<Connection>, eventLoopGroup: any EventLoopGroup, metadata: Logger.Metadata,
        background: (@Sendable () async -> Void)? = nil,
        initializer: @escaping @Sendable (any Channel) throws -> Void,
        shutdown: @escaping @Sendable ([Connection]) async -> Void
    ) {
        self.listener = listener
        self.eventLoopGroup = eventLoopGroup
        self.metadata = metadata
        self.background = background
        self.initializer = initializer
        self.shutdown = shutdown
    }

    public func run() async throws {
        let job = background.map { work in Task.detached { await work() } }
        defer { job?.cancel() }
        try await listener.serve(
            on: eventLoopGroup, metadata: metadata, bound: { port in listeningPort.withLock { $0 = port } },
            initializer: initializer)
        await shutdown(listener.registry.open)
    }
}
