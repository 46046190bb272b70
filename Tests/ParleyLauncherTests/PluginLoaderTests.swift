import Foundation
import PeerTestSupport
import ParleyCred
import Testing

@testable import ParleyLauncher

/// `PluginLoader` against tiny C libraries compiled by the test with the system compiler:
/// each failure is reported with the path and a reason an operator can act on.
@Suite struct PluginLoaderTests {
    /// A temporary folder holding C libraries built by `cc -shared -fPIC`.
    final class Libraries {
        let directory: String

        init() throws {
            directory = NSTemporaryDirectory() + "parley-plugin-loader-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// Compiles `source` into `<directory>/<name>.so`; returns its path. The compiler is
        /// waited for off the cooperative pool, which other tests' servers answer from.
        func build(_ name: String, _ source: String) async throws -> String {
            let sourcePath = "\(directory)/\(name).c"
            let library = "\(directory)/\(name).so"
            try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
            let compiled = try await ChildProcess.runDetached("/usr/bin/cc", ["-shared", "-fPIC", "-o", library, sourcePath])
            guard compiled.status == 0 else { throw CompileFailed(name: name) }
            return library
        }

        struct CompileFailed: Error { let name: String }
    }

    /// The error `load` throws for `path`, or nil when it loaded.
    func loadError(_ path: String, registrar: PluginRegistrar? = nil) -> PluginLoadError? {
        let registrar = registrar ?? PluginRegistrar(authKinds: AuthKindRegistry(builtins: false))
        do {
            try PluginLoader.load(path: path, into: registrar)
            return nil
        } catch {
            return error
        }
    }

    /// A C string literal holding `text` (the ABI strings are plain ASCII).
    func cLiteral(_ text: String) -> String { "\"" + text + "\"" }

    @Test func missingFileIsNamed() throws {
        let libraries = try Libraries()
        let path = libraries.directory + "/absent.so"
        let error = try #require(loadError(path))
        #expect(error.reason == .noSuchFile)
        #expect(error.description == "\(path): no such file")
    }

    @Test func libraryWithoutEntryPointIsNotAPlugin() async throws {
        let libraries = try Libraries()
        let path = try await libraries.build("plain", "int answer(void) { return 42; }\n")
        let error = try #require(loadError(path))
        #expect(error.reason == .noABIEntryPoint)
        #expect(error.description == "\(path): not a Parley plugin: no parley_plugin_abi entry point")
    }

    @Test func otherABIIsRefusedBeforeRegistering() async throws {
        let libraries = try Libraries()
        // register would report 7 if it ran: the ABI check must stop the load before it.
        let path = try await libraries.build(
            "old",
            """
            const char *parley_plugin_abi(void) { return "parley-plugin-abi-0 swift-5.9"; }
            int parley_plugin_register(void *registrar) { return 7; }
            """)
        let error = try #require(loadError(path))
        #expect(error.reason == .abiMismatch(library: "parley-plugin-abi-0 swift-5.9", host: PluginABI.version))
        #expect(error.description == "\(path): built for parley-plugin-abi-0 swift-5.9, this parleyd is \(PluginABI.version)")
    }

    @Test func missingRegisterEntryPoint() async throws {
        let libraries = try Libraries()
        let path = try await libraries.build(
            "half", "const char *parley_plugin_abi(void) { return \(cLiteral(PluginABI.version)); }\n")
        let error = try #require(loadError(path))
        #expect(error.description == "\(path): no parley_plugin_register entry point")
    }

    @Test func registerFailureIsReported() async throws {
        let libraries = try Libraries()
        let path = try await libraries.build(
            "failing",
            """
            const char *parley_plugin_abi(void) { return \(cLiteral(PluginABI.version)); }
            int parley_plugin_register(void *registrar) { return registrar ? 1 : 2; }
            """)
        let error = try #require(loadError(path))
        #expect(error.reason == .registrationFailed(status: 1, message: nil))
        #expect(error.description == "\(path): parley_plugin_register returned 1")
    }

    @Test func registerSuccessLoads() async throws {
        let libraries = try Libraries()
        let path = try await libraries.build(
            "fine",
            """
            const char *parley_plugin_abi(void) { return \(cLiteral(PluginABI.version)); }
            int parley_plugin_register(void *registrar) { return registrar ? 0 : 3; }
            """)
        #expect(loadError(path) == nil)
    }

    @Test func undefinedSwiftSymbolSuggestsAnotherBuild() async throws {
        let libraries = try Libraries()
        // A reference to a Swift symbol no module here defines, as a plugin compiled
        // against another Parley would have (quoted for the assembler, which would read
        // a bare `$` as an immediate).
        let path = try await libraries.build(
            "stale",
            """
            extern void gone(void) __asm__("\\"$s14ParleyLauncher4goneyyF\\"");
            const char *parley_plugin_abi(void) { gone(); return "x"; }
            """)
        let error = try #require(loadError(path))
        guard case .notLoadable(let text) = error.reason else {
            Issue.record("expected notLoadable, got \(error)")
            return
        }
        #expect(text.contains("undefined symbol: $s14ParleyLauncher4goneyyF"))
        #expect(error.description.hasPrefix("\(path): cannot load: "))
        #expect(error.description.hasSuffix("(built against a different Parley?)"))
    }

    @Test func garbageFileIsNotLoadable() throws {
        let libraries = try Libraries()
        let path = libraries.directory + "/text.so"
        try "not an ELF file\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(loadError(path))
        guard case .notLoadable = error.reason else {
            Issue.record("expected notLoadable, got \(error)")
            return
        }
        #expect(error.description.hasPrefix("\(path): cannot load: "))
        #expect(!error.description.contains("different Parley"))
    }

    /// The plugin-side helper: a thrown error goes back to the loader as text.
    @Test func registrarCarriesThrownErrorBack() throws {
        let kinds = AuthKindRegistry(builtins: false)
        let registrar = PluginRegistrar(authKinds: kinds)
        let pointer = Unmanaged.passUnretained(registrar).toOpaque()
        let register: (PluginRegistrar) throws -> Void = {
            try $0.authKinds.register(kind: "twice", summary: "test") { _, _ in AnonymousChecker() }
        }
        #expect(PluginRegistrar.withRegistrar(pointer, register) == 0)
        #expect(registrar.failure == nil)
        #expect(kinds.knownKinds.map(\.name) == ["twice"])
        #expect(PluginRegistrar.withRegistrar(pointer, register) == 1)
        #expect(registrar.failure == "auth kind 'twice' is already registered")
        #expect(PluginRegistrar.withRegistrar(nil, register) == 1)
    }

    @Test func loadPluginIsALauncherOption() throws {
        let split = try CommandLineSettings.split(
            ["--load-plugin", "a.so", "text-chat", "--port", "0", "--load-plugin=b.so", "--auth", "x"])
        #expect(split.loadPlugins == ["a.so", "b.so"])
        #expect(split.rest == ["text-chat", "--port", "0"])
        #expect(split.auth == ["x"])
        #expect(
            CommandLineSettings.removingLoadPlugins(["--load-plugin", "a.so", "plugins", "--load-plugin=b.so"])
                == ["plugins"])
    }
}
