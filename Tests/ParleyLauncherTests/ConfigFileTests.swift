import ParleyCore
import ParleyCred
import ServiceLifecycle
import Testing

@testable import ParleyLauncher

/// A plugin used only to exercise configuration parsing.
enum ProbePlugin: ParleyPlugin {
    static let name = "probe"
    static let summary = "A plugin for tests."
    static let port = PluginOption<Int>("port", default: 1000, range: 1...65535, help: "port")
    static let label = PluginOption<String>("label", default: "x", help: "label")
    static let options: [any AnyPluginOption] = [port, label]
    static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        throw OptionError(key: "probe", message: "not runnable")
    }
}

private var registry: PluginRegistry {
    var registry = PluginRegistry()
    registry.register(ProbePlugin.self)
    return registry
}

@Suite struct ConfigFileTests {
    /// A refused auth string is reported with the line it is on in the file.
    @Test func aRefusedAuthStringNamesItsLine() throws {
        let file = try ConfigFile.parse(
            """
            domain: chat.example.org
            auth:
              - anonymous
              - "memory:alice"
            plugins:
              - plugin: probe
            """, path: "test.yaml", registry: registry)
        #expect(file.authLines == [3, 4])
        let launcher = Launcher(registry: registry, authKinds: AuthKindRegistry())
        do {
            _ = try launcher.makeCheckers(file.settings, logger: .init(label: "test"))
            Issue.record("memory:alice was accepted")
        } catch let error as LaunchError {
            #expect(error.authIndex == 1)
            #expect(file.describe(error).hasPrefix("test.yaml:4: auth: --auth memory:<redacted>: memory: "), "\(file.describe(error))")
        }
    }

    @Test func validFile() throws {
        let file = try ConfigFile.parse(
            """
            domain: chat.example.org
            storage: /var/lib/parley
            auth:
              - memory:alice:pw
              - file
            log-format: json
            plugins:
              - plugin: probe
                port: 2000
              - plugin: probe
                label: second
            """, path: "test.yaml", registry: registry)
        #expect(file.settings.domain == "chat.example.org")
        #expect(file.settings.storage == "/var/lib/parley")
        #expect(file.settings.auth == ["memory:alice:pw", "file"])
        #expect(file.settings.logFormat == .json)
        #expect(file.plugins.count == 2)
        #expect(file.plugins[0].options.value(ProbePlugin.port) == 2000)
        #expect(file.plugins[1].options.value(ProbePlugin.port) == 1000)
        #expect(file.plugins[1].options.value(ProbePlugin.label) == "second")
        #expect(file.plugins[1].line == 10)
    }

    /// Each bad file gives exactly these (line, key) pairs.
    @Test(arguments: [
        ("domain: a\nplugins:\n  - plugin: probe\n    port: 99999\n", [(4, "probe.port")]),
        ("plugins:\n  - plugin: probe\n    colour: red\n", [(3, "probe.colour")]),
        ("plugins:\n  - plugin: nope\n", [(2, "plugins[0].plugin")]),
        ("log-level: loud\nplugins:\n  - plugin: probe\n", [(1, "log-level")]),
        ("listen: 1\nplugins:\n  - plugin: probe\n", [(1, "listen")]),
        ("domain: a\n", [(1, "plugins")]),
        ("plugins:\n  - port: 1\n", [(2, "plugins[0].plugin")]),
        ("plugins: probe\n", [(1, "plugins")]),
        ("domain: a\ndomain: b\nplugins:\n  - plugin: probe\n", [(2, "domain")]),
        ("plugins:\n  - plugin: probe\n    port: [1, 2]\n", [(3, "probe.port")]),
        ("domain: [unclosed\n", [(2, "-")]),
        ("plugins:\n  - plugin: probe\n    port: 0\n  - plugin: probe\n    label: ok\n    port: x\n", [(3, "probe.port"), (6, "probe.port")]),
    ])
    func errorsNameLineAndKey(text: String, expected: [(Int, String)]) {
        do {
            _ = try ConfigFile.parse(text, path: "bad.yaml", registry: registry)
            Issue.record("accepted a bad file:\n\(text)")
        } catch {
            #expect(error.problems.map(\.line) == expected.map(\.0), "\(error)")
            #expect(error.problems.map(\.key) == expected.map(\.1), "\(error)")
            #expect(error.description.hasPrefix("bad.yaml:"))
        }
    }

    @Test func listingAndHelp() {
        #expect(registry.listing == "probe  A plugin for tests.")
        let help = registry.help(for: ProbePlugin.self)
        #expect(help.contains("--port <integer>"))
        #expect(help.contains("(default: 1000)"))
    }
}
