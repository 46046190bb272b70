import Hummingbird
import Logging
import ParleyComponent
import ParleyLauncher
import ServiceLifecycle

/// The running plugin: the component (through `ComponentHost`, in process or external)
/// and the HTTP server side by side in one task group. Both end on graceful shutdown; if
/// either fails, the other is cancelled and the error ends the plugin.
final class WebStatusService: Service, Sendable {
    let host: ComponentHost
    let board: StatusBoard
    let pages: PageAddress
    private let runHTTP: @Sendable () async throws -> Void

    /// Reads the registrations (a file that does not parse stops the start, naming its
    /// line) and prepares both sides.
    init(placement: ComponentPlacement, settings: WebStatusSettings, context: PluginContext) throws {
        var logger = context.logger
        logger[metadataKey: "plugin"] = "web-status"
        let store = RegistrationStore(storageDirectory: context.storageDirectory, domain: placement.domain)
        let registrations = try store.load()
        let board = StatusBoard(
            registrations: registrations,
            tracker: PresenceTracker(
                maximumSessions: settings.maximumSessionsPerUser, maximumStatusLength: settings.maximumStatusLength))
        let pages = PageAddress(settings: settings)
        self.board = board
        self.pages = pages
        host = ComponentHost(placement: placement, context: context) { [logger] link in
            WebStatusComponent(link: link, board: board, store: store, settings: settings, pages: pages, logger: logger)
        }
        let application = StatusHTTPServer.application(
            board: board, settings: settings, pages: pages, eventLoopGroup: context.eventLoopGroup, logger: logger)
        runHTTP = { try await application.run() }
        logger.info(
            "web-status registrations loaded",
            metadata: ["domain": "\(placement.domain)", "count": "\(registrations.count)", "path": "\(store.path)"])
    }

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [host] in try await host.run() }
            group.addTask { [runHTTP] in try await runHTTP() }
            // The first error leaves the loop; leaving the group cancels the other side.
            for try await _ in group {}
        }
    }
}
