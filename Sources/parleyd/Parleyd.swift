import ArgumentParser
import Foundation
import ParleyCred
import ParleyLauncher
import Synchronization

/// `parleyd`: runs Parley's daemon plugins, alone or several in one process.
@main
struct Parleyd {
    static func main() async {
        let words = Array(CommandLine.arguments.dropFirst())
        do {
            let split = try CommandLineSettings.split(words)
            // Before anything reads the registries: a library adds auth kinds and plugins.
            Loaded.load(split.loadPlugins)
            let registry = Loaded.plugins
            if let configPath = split.configPath {
                guard split.rest.isEmpty else {
                    fail("with --config, only launcher settings may follow; unexpected: \(split.rest.joined(separator: " "))")
                }
                try await RunConfig.run(configPath: configPath, overrides: split, registry: registry)
                return
            }
            if let name = split.rest.first, let plugin = registry.plugin(named: name) {
                let pluginWords = Array(split.rest.dropFirst())
                if pluginWords.contains("--help") || pluginWords.contains("-h") {
                    print(registry.help(for: plugin))
                    return
                }
                try await RunPlugin.run(plugin, words: pluginWords, overrides: split, registry: registry)
                return
            }
        } catch let error as OptionErrors {
            fail(error.description)
        } catch let error as ConfigFile.Errors {
            fail(error.description)
        } catch {
            fail("\(error)")
        }
        await Commands.main(CommandLineSettings.removingLoadPlugins(words))
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("parleyd: \(message)\n".utf8))
        exit(2)
    }
}

/// The subcommands that do not run plugins.
struct Commands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parleyd",
        abstract: "Parley's daemon: runs chat plugins (XMPP, IRC, components, bots) in one process.",
        usage: """
            parleyd PLUGIN [plugin options] [--domain D] [--storage DIR] [--auth STRING]... [--load-plugin LIB]... [--log-level L] [--log-format text|json]
              parleyd --config FILE [same launcher options]
              parleyd [--load-plugin LIB]... plugins | check-config FILE
              parleyd user add|passwd|del|list
            """,
        discussion: "Plugins:\n" + Loaded.plugins.listing + "\n\nAuth kinds:\n" + Loaded.authKindListing
            + "\n\n--load-plugin LIB loads a shared library that adds auth kinds (docs/custom-stores.md)."
            + "\nSee docs/ for the configuration reference.",
        subcommands: [ListPlugins.self, CheckConfig.self, UserCommand.self])
}

struct ListPlugins: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List the registered plugins and auth kinds (with those --load-plugin added).")
    func run() {
        print(Loaded.plugins.listing)
        print("\nAuth kinds:\n" + Loaded.authKindListing)
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a configuration file without starting anything.")

    @Argument(help: "The configuration file.") var file: String

    func run() throws {
        do {
            let config = try ConfigFile.load(path: file, registry: Loaded.plugins)
            let launcher = Launcher(registry: Loaded.plugins, authKinds: Builtins.authKinds)
            do {
                _ = try launcher.makeCheckers(config.settings, logger: .init(label: "check-config"))
            } catch let error as LaunchError {
                print(config.describe(error))
                throw ExitCode(1)
            } catch {
                print("\(file): auth: \(error)")
                throw ExitCode(1)
            }
            print("\(file): OK (\(config.plugins.count) plugin\(config.plugins.count == 1 ? "" : "s"): \(config.plugins.map { PluginInstance(plugin: $0.plugin, options: $0.options).pluginName }.joined(separator: ", ")))")
        } catch let errors as ConfigFile.Errors {
            print(errors.description)
            throw ExitCode(1)
        }
    }
}

/// Runs the plugins of a configuration file.
enum RunConfig {
    static func run(configPath: String, overrides: CommandLineSettings, registry: PluginRegistry) async throws {
        let config = try ConfigFile.load(path: configPath, registry: registry)
        let settings = try overrides.applied(to: config.settings)
        LogSetup.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let launcher = Launcher(registry: registry, authKinds: Builtins.authKinds)
        do {
            try await launcher.run(
                settings: settings,
                instances: config.plugins.map { PluginInstance(plugin: $0.plugin, options: $0.options) },
                configPath: configPath)
        } catch let error as LaunchError where overrides.auth.isEmpty {
            Parleyd.fail(config.describe(error))
        } catch {
            Parleyd.fail("\(error)")
        }
    }
}

/// Runs one plugin from the command line, like `twistd PLUGIN`.
enum RunPlugin {
    static func run(_ plugin: any ParleyPlugin.Type, words: [String], overrides: CommandLineSettings, registry: PluginRegistry)
        async throws
    {
        let options = try PluginOptions.parse(commandLine: words, declared: plugin.options)
        let settings = try overrides.applied(to: LauncherSettings())
        LogSetup.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let launcher = Launcher(registry: registry, authKinds: Builtins.authKinds)
        do {
            try await launcher.run(settings: settings, instances: [PluginInstance(plugin: plugin, options: options)])
        } catch {
            Parleyd.fail("\(error)")
        }
    }
}

/// The built-in plugins and auth kinds plus what `--load-plugin` libraries registered.
enum Loaded {
    private static let registry = Mutex<PluginRegistry?>(nil)

    /// The daemon plugins: the built-in ones and the loaded libraries'.
    static var plugins: PluginRegistry {
        registry.withLock { $0 } ?? Builtins.plugins
    }

    /// One line per auth kind with its summary, for `parleyd plugins` and the usage text.
    static var authKindListing: String {
        let kinds = Builtins.authKinds.knownKinds
        let width = kinds.map(\.name.count).max() ?? 0
        return kinds.map { $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }
            .joined(separator: "\n")
    }

    /// Loads each library in order; the first failure ends the process with status 2.
    static func load(_ paths: [String]) {
        guard !paths.isEmpty else { return }
        let registrar = PluginRegistrar(authKinds: Builtins.authKinds, plugins: plugins)
        for path in paths {
            do {
                try PluginLoader.load(path: path, into: registrar)
            } catch {
                Parleyd.fail("--\(CommandLineSettings.loadPluginName) \(error)")
            }
        }
        let result = registrar.plugins
        registry.withLock { $0 = result }
    }
}
