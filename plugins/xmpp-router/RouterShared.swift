import Logging
import ParleyCore
import ParleyServerNIO
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization

/// What every connection of one router shares: settings, the chat model, the codec, the
/// route table of connected components (for the component-to-component fast path) and
/// the set of open connections (for timers and shutdown).
final class RouterShared: Sendable {
    let settings: RouterSettings
    let chat: ChatService
    let codec: ComponentStanzaCodec
    let logger: Logger
    private let routes = Mutex<[String: ComponentOutbox]>([:])
    /// Changes whenever the route table does (connections cache their last look-up).
    private let version = Atomic<Int>(0)
    /// The open connections, for the sweepers and shutdown.
    let connections: ConnectionRegistry<ComponentConnection>

    init(settings: RouterSettings, chat: ChatService, logger: Logger, memory: MemoryReturn? = nil) {
        self.connections = ConnectionRegistry(memory: memory)
        self.settings = settings
        self.chat = chat
        self.codec = ComponentStanzaCodec(extensions: XMPPExtensionCodec(table: chat.translation))
        self.logger = logger
    }

    // MARK: Route table

    /// Records `outbox` as the connection serving `domain`; false when one already does.
    func register(_ domain: String, _ outbox: ComponentOutbox) -> Bool {
        routes.withLock { routes in
            guard routes[domain] == nil else { return false }
            routes[domain] = outbox
            version.add(1, ordering: .sequentiallyConsistent)
            return true
        }
    }

    /// Forgets `domain` if `outbox` still serves it.
    func unregister(_ domain: String, _ outbox: ComponentOutbox) {
        routes.withLock { routes in
            guard routes[domain] === outbox else { return }
            routes[domain] = nil
            version.add(1, ordering: .sequentiallyConsistent)
        }
    }

    /// The connected component serving `domain`, if it is one of this router's.
    func outbox(for domain: String) -> ComponentOutbox? {
        routes.withLock { $0[domain] }
    }

    /// The route table's version: a cached look-up is valid while it stays the same.
    var routeVersion: Int { version.load(ordering: .sequentiallyConsistent) }

    /// The domains connected now, sorted.
    var connectedDomains: [String] { routes.withLock { $0.keys.sorted() } }
}
