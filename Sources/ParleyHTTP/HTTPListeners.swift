import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The process's HTTP listeners, one per address (`HTTPAddress`): the launcher makes one
/// registry beside the shared event loop group and hands it to every plugin in
/// `PluginContext.http`. A plugin asks for the listener at its `http-host`/`http-port`
/// and mounts its routes there; the launcher runs the registry as a service once every
/// plugin is built, which starts one Hummingbird application per address that has
/// mounts. If one listener fails (its port is taken), the registry fails with an error
/// naming it, and the service group stops the process.
public final class HTTPListeners: Service, Sendable {
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    private let listeners = Mutex<[HTTPListener]>([])

    public init(eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// The listener at `host`:`port`, made on first use. Port 0 is one address too: every
    /// plugin asking for port 0 on the same host shares one listener, and learns its port.
    public func listener(host: String, port: Int) -> HTTPListener {
        let address = HTTPAddress(host: host, port: port)
        return listeners.withLock { listeners in
            if let existing = listeners.first(where: { $0.address == address }) { return existing }
            let made = HTTPListener(address: address, eventLoopGroup: eventLoopGroup, logger: logger)
            listeners.append(made)
            return made
        }
    }

    /// Every listener asked for, in order.
    public var all: [HTTPListener] { listeners.withLock { $0 } }

    /// Runs every listener with mounts until graceful shutdown; with none, just waits for it.
    public func run() async throws {
        let active = all.filter { !$0.mounts.isEmpty }
        guard !active.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for listener in active {
                let application = try listener.application()
                group.addTask {
                    do {
                        try await application.run()
                    } catch {
                        throw HTTPListenerError.failed(
                            address: listener.address, contributors: listener.contributors, reason: "\(error)")
                    }
                }
            }
            // The first failure leaves the loop; leaving the group cancels the others.
            for try await _ in group {}
        }
    }
}
