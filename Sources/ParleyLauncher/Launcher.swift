import Foundation
import Logging
import NIOCore
import NIOPosix
import ParleyCore
import ParleyCred
import ParleyHTTP
import ServiceLifecycle
import UnixSignals

/// One plugin instance to start: the plugin and its validated options.
public struct PluginInstance: Sendable {
    public let plugin: any ParleyPlugin.Type
    public let options: PluginOptions

    public init(plugin: any ParleyPlugin.Type, options: PluginOptions) {
        self.plugin = plugin
        self.options = options
    }

    /// The plugin's name (read through a local to keep the compiler away from key paths
    /// to static members of an existential metatype, which crash Swift 6.3's SILGen).
    public var pluginName: String {
        let type = plugin
        return type.name
    }
}

/// Why `parleyd` could not start.
public struct LaunchError: Error, CustomStringConvertible {
    public let description: String
    /// For a refused `--auth` string: its position among the auth strings, so that a
    /// configuration file can name the line it came from.
    public let authIndex: Int?
    public init(_ description: String, authIndex: Int? = nil) {
        self.description = description
        self.authIndex = authIndex
    }
}

/// Runs plugins in one process: builds the shared chat service, portal and event loops,
/// turns each plugin instance into a service, and runs them in one `ServiceGroup` with
/// graceful shutdown on SIGTERM/SIGINT and a reload on SIGHUP.
public struct Launcher: Sendable {
    public let registry: PluginRegistry
    public let authKinds: AuthKindRegistry

    public init(registry: PluginRegistry, authKinds: AuthKindRegistry) {
        self.registry = registry
        self.authKinds = authKinds
    }

    /// The credential checkers for `settings`, in order; the first error names the string.
    public func makeCheckers(_ settings: LauncherSettings, logger: Logger) throws -> [any CredentialChecker] {
        let context = AuthContext(storageDirectory: settings.storage, logger: logger)
        return try settings.effectiveAuth.enumerated().map { index, string in
            do {
                return try authKinds.makeChecker(from: string, context: context)
            } catch {
                throw LaunchError("--auth \(AuthStringRedaction.redact(string)): \(error)", authIndex: index)
            }
        }
    }

    /// Where contact lists live: the first checker that is a `ContactListStore`; when none is
    /// and a checker is a `SharedGroupSource` (LDAP), flat files under `storage` hold the
    /// personal lists; else memory. Shared groups, when any checker offers them, are laid
    /// over that base.
    public static func makeContactStore(checkers: [any CredentialChecker], settings: LauncherSettings) throws
        -> any ContactListStore
    {
        let sources = checkers.compactMap { $0 as? any SharedGroupSource }
        let base: any ContactListStore
        if let store = checkers.lazy.compactMap({ $0 as? any ContactListStore }).first {
            base = store
        } else if !sources.isEmpty {
            base = try FlatFileStore(directory: settings.storage)
        } else {
            base = InMemoryContactListStore()
        }
        guard !sources.isEmpty else { return base }
        return SharedGroupContactStore(base: base, sources: sources, domain: settings.domain)
    }

    /// Runs `instances` until a shutdown signal. `configPath`, when given, is re-read on
    /// SIGHUP to apply a new log level and to reload plugins that support it.
    public func run(settings: LauncherSettings, instances: [PluginInstance], configPath: String? = nil) async throws {
        let logger = Logger(label: "parleyd")
        try StorageDirectory.prepare(settings.storage)
        let checkers = try makeCheckers(settings, logger: logger)
        let contactStore = try Self.makeContactStore(checkers: checkers, settings: settings)
        // One event loop per core this process may use: NIO's count follows cgroup quotas,
        // `Machine.coreCount` the affinity mask (taskset).
        let group = MultiThreadedEventLoopGroup(
            numberOfThreads: max(1, min(NIOCore.System.coreCount, Machine.coreCount)))
        let executors = ExecutorPool(group.makeIterator().map { $0.executor })
        let chat = ChatService(
            configuration: ChatServiceConfiguration(domain: settings.domain), contacts: contactStore,
            executors: executors, logger: Logger(label: "parley.chat"),
            roomStore: try FlatFileRoomStore(directory: "\(settings.storage)/rooms"))
        let portal = Portal(realm: ChatRealm(service: chat), checkers: checkers)
        let memory = MemoryReturn()
        let http = HTTPListeners(eventLoopGroup: group, logger: logger)
        let context = PluginContext(
            chat: chat, portal: portal, eventLoopGroup: group, storageDirectory: settings.storage, logger: logger,
            memory: memory, http: http)

        var services: [any Service] = []
        for instance in instances {
            do {
                services.append(try instance.plugin.makeService(options: instance.options, context: context))
            } catch {
                try? await group.shutdownGracefully()
                throw LaunchError("\(instance.plugin.name): \(error)")
            }
        }
        // After the plugins, so that a room archive they attach fills the rooms' history.
        do {
            let restored = try chat.restoreRooms()
            if restored > 0 { logger.info("persistent rooms restored", metadata: ["rooms": "\(restored)"]) }
        } catch {
            try? await group.shutdownGracefully()
            throw LaunchError("the persistent rooms in \(settings.storage)/rooms cannot be read: \(error)")
        }
        let reloadable = services.compactMap { $0 as? any ReloadableService }
        // One HTTP server per address, with every route the plugins mounted while built;
        // it stops accepting requests before the plugins behind it stop.
        services.append(http)
        // Services shut down in reverse order: the chat service goes first, so every
        // session is told before the listeners close.
        services.append(ReloadOnHangup(services: reloadable, configPath: configPath, registry: registry, logger: logger))
        services.append(ChatShutdown(chat: chat))
        services.append(MemoryReturnService(memory: memory))
        logger.info(
            "parleyd starting",
            metadata: [
                "domain": "\(settings.domain)", "storage": "\(settings.storage)",
                "auth": "\(settings.effectiveAuth.map(AuthStringRedaction.redact).joined(separator: " "))",
                "plugins": "\(instances.map { $0.pluginName }.joined(separator: " "))",
            ])
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await serviceGroup.run()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
        logger.info("parleyd stopped")
    }
}

/// Runs the process's `MemoryReturn` until graceful shutdown.
struct MemoryReturnService: Service {
    let memory: MemoryReturn

    func run() async throws {
        await cancelWhenGracefulShutdown { await memory.run(every: .seconds(2)) }
    }
}

/// Tells every session that the service stops when graceful shutdown begins.
struct ChatShutdown: Service {
    let chat: ChatService

    func run() async throws {
        try? await gracefulShutdown()
        await chat.shutdown()
    }
}

/// Applies SIGHUP: re-reads the config file (a new log level takes effect at once; a
/// changed plugin list is reported as needing a restart) and reloads reloadable plugins.
struct ReloadOnHangup: Service {
    let services: [any ReloadableService]
    let configPath: String?
    let registry: PluginRegistry
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        // The signal sequence never ends by itself: stop iterating when shutdown begins.
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                await reload()
            }
        }
    }

    private func reload() async {
        logger.notice("SIGHUP: reloading")
        if let configPath {
            do {
                let file = try ConfigFile.load(path: configPath, registry: registry)
                LogSetup.level = file.settings.logLevel
                logger.notice("configuration re-read", metadata: ["log-level": "\(file.settings.logLevel)"])
            } catch {
                logger.error("configuration not reloaded; the running one stays", metadata: ["errors": "\(error)"])
            }
        }
        for service in services { await service.reload() }
    }
}

/// The data directory's layout.
public enum StorageDirectory {
    /// Creates `path`, `path/accounts` and `path/contacts` when missing.
    public static func prepare(_ path: String) throws {
        for sub in ["", "/accounts", "/contacts"] {
            do {
                try FileManager.default.createDirectory(atPath: path + sub, withIntermediateDirectories: true)
            } catch {
                throw LaunchError("cannot create the storage directory \(path + sub): \(error.localizedDescription)")
            }
        }
    }
}
