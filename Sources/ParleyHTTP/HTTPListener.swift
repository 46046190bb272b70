import Logging
import NIOCore
import Synchronization

/// One HTTP server at one address, shared by every plugin that mounts routes on it (the
/// web-status pages, pubsub's HTTP face, XMPP over WebSocket and BOSH, …). Plugins mount
/// while they are built; the listener is frozen when its application is made
/// (`application()`, run by `HTTPListeners`), then binds once and tells every mount its port.
/// It serves plain HTTP, or HTTPS when its mounts give TLS (all of them the same files).
public final class HTTPListener: Sendable {
    public let address: HTTPAddress
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var mounts: [HTTPMount] = []
        var started = false
        var boundPort: Int?
    }

    public init(address: HTTPAddress, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.address = address
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: "http"] = "\(address)"
        self.logger = logger
    }

    /// Adds `mount`. A prefix overlapping one already mounted (the same, or one above or
    /// below it) is a configuration error, as are TLS settings other than the first mount's
    /// (HTTPS with other files, or HTTPS beside plain HTTP) and mounting once the listener runs.
    public func mount(_ mount: HTTPMount) throws {
        try state.withLock { state in
            guard !state.started else { throw HTTPListenerError.alreadyRunning(address) }
            if let first = state.mounts.first, first.tls != mount.tls {
                throw HTTPListenerError.tlsDisagreement(
                    plugin: mount.contributor, asked: HTTPTLS.describe(mount.tls), owner: first.contributor,
                    existing: HTTPTLS.describe(first.tls), address: address)
            }
            if let clash = state.mounts.first(where: { $0.prefix.overlaps(mount.prefix) }) {
                throw HTTPListenerError.prefixClaimed(
                    prefix: mount.prefix.description, existing: clash.prefix.description, owner: clash.contributor,
                    address: address)
            }
            if mount.isHome, let home = state.mounts.first(where: \.isHome) {
                throw HTTPListenerError.homeClaimed(plugin: mount.contributor, owner: home.contributor, address: address)
            }
            state.mounts.append(mount)
        }
    }

    /// The mounts, in the order they came.
    public var mounts: [HTTPMount] { state.withLock { $0.mounts } }

    /// The TLS the listener offers (its mounts agree on it); nil: plain HTTP.
    public var tls: HTTPTLS? { mounts.first?.tls }

    /// The plugins mounted here, each once, in the order they came.
    public var contributors: [String] {
        var seen: Set<String> = []
        return mounts.map(\.contributor).filter { seen.insert($0).inserted }
    }

    /// The port the server listens on, once it runs.
    public var boundPort: Int? { state.withLock { $0.boundPort } }

    /// Freezes the listener and returns its mounts; only the first call succeeds.
    func start() throws -> [HTTPMount] {
        try state.withLock { state in
            guard !state.started else { throw HTTPListenerError.alreadyRunning(address) }
            state.started = true
            return state.mounts
        }
    }

    /// Records the bound port and tells every mount.
    func serverBound(port: Int, mounts: [HTTPMount]) {
        state.withLock { $0.boundPort = port }
        for mount in mounts { mount.bound(port) }
    }
}
