import Logging
import ParleyComponent
import ParleyHTTP
import ParleyLauncher
import ServiceLifecycle

/// The running plugin: the component (through `ComponentHost`, in process or external);
/// its pages are mounted on the process's HTTP listener at `http-host`/`http-port`
/// (`PluginContext.http`, run by the launcher, possibly shared with other plugins). Ends
/// on graceful shutdown; if the listener fails, the service group stops the process.
final class WebStatusService: Service, Sendable {
    let host: ComponentHost
    let board: StatusBoard
    let pages: PageAddress

    /// Reads the registrations (a file that does not parse stops the start, naming its
    /// line), prepares the component and mounts the pages (another plugin serving
    /// `/status` on the same address stops the start).
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
        try StatusHTTPServer.mount(
            on: context.http.listener(host: settings.httpHost, port: settings.httpPort), board: board,
            settings: settings, pages: pages, logger: logger)
        logger.info(
            "web-status registrations loaded",
            metadata: ["domain": "\(placement.domain)", "count": "\(registrations.count)", "path": "\(store.path)"])
    }

    func run() async throws {
        try await host.run()
    }
}
