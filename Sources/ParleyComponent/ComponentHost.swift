import Logging
import ParleyCore
import ParleyLauncher
import ServiceLifecycle
import Synchronization

/// Runs one component as a service of `parleyd`, in process (attached to the chat
/// service, no socket) or external (the XEP-0114 component client), with the same
/// handler either way: a plugin only says how to make its handler from a link.
public final class ComponentHost: Service, Sendable {
    public let placement: ComponentPlacement
    let chat: ChatService
    let context: PluginContext
    let logger: Logger
    let makeHandler: @Sendable (any ComponentLink) -> any ComponentHandler
    /// A handler that needs no link, attached as itself (so that an adapter that looks it up
    /// with `ChatService.componentHandler(for:)` finds it, not a relay).
    let readyHandler: (any ComponentHandler)?
    private let current = Mutex<(any ComponentLink)?>(nil)

    public init(
        placement: ComponentPlacement, context: PluginContext,
        makeHandler: @escaping @Sendable (any ComponentLink) -> any ComponentHandler
    ) {
        self.placement = placement
        self.context = context
        self.chat = context.chat
        self.logger = context.logger
        self.makeHandler = makeHandler
        self.readyHandler = nil
    }

    /// Runs `handler`, which acts through its own means rather than through a link.
    public init(placement: ComponentPlacement, context: PluginContext, handler: any ComponentHandler) {
        self.placement = placement
        self.context = context
        self.chat = context.chat
        self.logger = context.logger
        self.makeHandler = { _ in handler }
        self.readyHandler = handler
    }

    /// The link once the component runs (for tests and status output).
    public var link: (any ComponentLink)? { current.withLock { $0 } }

    public func run() async throws {
        switch placement.mode {
        case .inProcess:
            try await runInProcess()
        case .external(let host, let port, let secret):
            try await runExternal(host: host, port: port, secret: secret)
        }
    }

    private func runInProcess() async throws {
        let relay = RelayHandler()
        let link: LocalComponentLink
        do {
            link = try chat.attachComponent(domain: placement.domain, handler: readyHandler ?? relay)
        } catch .domainTaken(let domain) {
            throw OptionError(key: ComponentOptions.domain.name, message: "\(domain) is already attached to another component")
        } catch .reservedDomain(let domain) {
            throw OptionError(key: ComponentOptions.domain.name, message: "\(domain) is the chat domain itself")
        }
        defer { link.detach() }
        let handler = makeHandler(link)
        relay.set(handler)
        current.withLock { $0 = link }
        logger.notice("component running in process", metadata: ["domain": "\(placement.domain)"])
        await handler.linkEstablished()
        try? await gracefulShutdown()
        await Self.stop(handler)
    }

    /// Lets `handler` say goodbye, for at most two seconds.
    static func stop(_ handler: any ComponentHandler) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await handler.stopping() }
            group.addTask { try? await Task.sleep(for: .seconds(2)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// XEP-0114: the component client connects (and reconnects) until graceful shutdown,
    /// which closes the stream.
    private func runExternal(host: String, port: Int, secret: String) async throws {
        guard let settings = ComponentConnectorSettings(placement: placement) else { return }
        let connector = ComponentConnector(settings: settings, eventLoopGroup: context.eventLoopGroup, logger: logger)
        let handler = makeHandler(connector)
        current.withLock { $0 = connector }
        logger.notice(
            "component connecting", metadata: ["domain": "\(placement.domain)", "server": "\(host):\(port)"])
        await withGracefulShutdownHandler {
            await connector.run(handler: handler)
        } onGracefulShutdown: {
            Task {
                await Self.stop(handler)
                connector.shutdown()
            }
        }
    }
}

/// A handler that forwards to one set after attaching: the in-process link exists only
/// once the domain is attached, and the real handler needs the link.
final class RelayHandler: ComponentHandler {
    private let target = Mutex<(any ComponentHandler)?>(nil)
    var protocolFamily: ProtocolFamily { target.withLock { $0?.protocolFamily } ?? .xmpp }

    func set(_ handler: any ComponentHandler) { target.withLock { $0 = handler } }

    struct NotReady: Error {}

    func deliver(_ event: ChatEvent, to: Address) throws {
        guard let handler = target.withLock({ $0 }) else { throw NotReady() }
        try handler.deliver(event, to: to)
    }
}
