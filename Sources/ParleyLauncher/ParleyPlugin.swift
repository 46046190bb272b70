import Logging
import NIOCore
import ParleyCore
import ParleyCred
import ParleyHTTP
@_exported import ParleyServerNIO
import ServiceLifecycle

/// A daemon plugin, like a `twistd` plugin: a name, a line of description, the options it
/// takes, and how to turn option values into a running `Service`. Registering one is one
/// line: `registry.register(EchoPlugin.self)`.
public protocol ParleyPlugin: Sendable {
    /// The name used on the command line and in the config file (`xmpp-c2s`).
    static var name: String { get }
    /// One line for `parleyd plugins`.
    static var summary: String { get }
    /// The options it accepts.
    static var options: [any AnyPluginOption] { get }
    /// Builds the service from validated options and the shared context.
    static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service
}

/// What every plugin in one process shares: one chat service, one portal, one event loop
/// group, one set of HTTP listeners, the storage directory and a logger.
public struct PluginContext: Sendable {
    public let chat: ChatService
    public let portal: Portal<ChatRealm>
    public let eventLoopGroup: any EventLoopGroup
    public let storageDirectory: String
    public let logger: Logger
    /// The process's one `MemoryReturn`, run by the launcher: listeners' registries note
    /// their releases on it.
    public let memory: MemoryReturn
    /// The process's HTTP listeners, one per address, run by the launcher: a plugin that
    /// serves HTTP mounts its routes on `http.listener(host:port:)` while it is built.
    public let http: HTTPListeners

    /// `http` defaults to a registry of its own on `eventLoopGroup`, which nobody runs: a
    /// caller that wants plugins' HTTP served runs it as a service (the launcher does).
    public init(
        chat: ChatService, portal: Portal<ChatRealm>, eventLoopGroup: any EventLoopGroup, storageDirectory: String,
        logger: Logger, memory: MemoryReturn = MemoryReturn(), http: HTTPListeners? = nil
    ) {
        self.chat = chat
        self.portal = portal
        self.eventLoopGroup = eventLoopGroup
        self.storageDirectory = storageDirectory
        self.logger = logger
        self.memory = memory
        self.http = http ?? HTTPListeners(eventLoopGroup: eventLoopGroup, logger: logger)
    }
}

/// A service that can re-read its settings when the process gets SIGHUP.
public protocol ReloadableService: Service {
    func reload() async
}

/// Every listener on the server runtime takes SIGHUP; its plugin decides what reloads.
extension ServerListener: ReloadableService {}

/// The plugins a `parleyd` knows, by name.
public struct PluginRegistry: Sendable {
    private var plugins: [String: any ParleyPlugin.Type] = [:]

    public init() {}

    /// Adds a plugin; a second plugin with the same name replaces the first.
    public mutating func register(_ plugin: any ParleyPlugin.Type) {
        plugins[plugin.name] = plugin
    }

    /// The plugin called `name`.
    public func plugin(named name: String) -> (any ParleyPlugin.Type)? { plugins[name] }

    /// The registered names, sorted.
    public var names: [String] { plugins.keys.sorted() }

    /// All plugins, sorted by name.
    public var all: [any ParleyPlugin.Type] {
        plugins.keys.sorted().compactMap { plugins[$0] }
    }

    /// One line per plugin, for `parleyd plugins`.
    public var listing: String {
        var rows: [(name: String, summary: String)] = []
        for plugin in all {
            rows.append((plugin.name, plugin.summary))
        }
        let width = rows.map(\.name.count).max() ?? 0
        var lines: [String] = []
        for row in rows {
            lines.append(row.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + row.summary)
        }
        return lines.joined(separator: "\n")
    }

    /// The help text of one plugin: its summary and each option with type and default.
    public func help(for plugin: any ParleyPlugin.Type) -> String {
        var lines = ["\(plugin.name): \(plugin.summary)", "", "Options:"]
        for option in plugin.options {
            let value = option.isFlag ? "" : " <\(option.typeDescription)>"
            let fallback = option.defaultText.map { " (default: \($0.isEmpty ? "\"\"" : $0))" } ?? " (required)"
            lines.append("  --\(option.name)\(value)")
            lines.append("      \(option.help)\(fallback)")
        }
        return lines.joined(separator: "\n")
    }
}

import Foundation
