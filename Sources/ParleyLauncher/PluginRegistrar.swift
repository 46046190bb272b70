import ParleyCred

/// What a loaded plugin library may add to: the `--auth` kinds and the daemon plugins.
///
/// The loader hands a pointer to one to `parley_plugin_register`; the library turns it
/// back with `withRegistrar`:
///
/// ```swift
/// @_cdecl("parley_plugin_register")
/// public func parleyPluginRegister(_ registrar: UnsafeMutableRawPointer?) -> Int32 {
///     PluginRegistrar.withRegistrar(registrar) { try $0.authKinds.register(kind: "x", summary: "…") { … } }
/// }
/// ```
public final class PluginRegistrar {
    /// The `--auth` kinds: `register(kind:summary:factory:)` adds one.
    public let authKinds: AuthKindRegistry
    /// The daemon plugins; a plugin added here runs as `parleyd NAME` and in config files.
    public var plugins: PluginRegistry
    /// The error text of a failed registration, carried back to the loader.
    var failure: String?

    public init(authKinds: AuthKindRegistry, plugins: PluginRegistry = PluginRegistry()) {
        self.authKinds = authKinds
        self.plugins = plugins
    }

    /// Runs `body` with the registrar `pointer` designates and returns the entry point's
    /// result: 0 when `body` returned, 1 when it threw (the error's text goes back to the
    /// loader, which reports it) or when `pointer` is nil.
    public static func withRegistrar(
        _ pointer: UnsafeMutableRawPointer?, _ body: (PluginRegistrar) throws -> Void
    ) -> Int32 {
        guard let pointer else { return 1 }
        let registrar = Unmanaged<PluginRegistrar>.fromOpaque(pointer).takeUnretainedValue()
        do {
            try body(registrar)
            return 0
        } catch {
            registrar.failure = "\(error)"
            return 1
        }
    }
}
