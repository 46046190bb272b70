#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why `--load-plugin PATH` failed. The description names the path and the reason.
public struct PluginLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Hashable {
        /// Nothing at the path.
        case noSuchFile
        /// `dlopen` refused the file; the text is `dlerror()`'s.
        case notLoadable(String)
        /// The library has no `parley_plugin_abi` symbol.
        case noABIEntryPoint
        /// `parley_plugin_abi` returned another ABI string than this `parleyd`'s.
        case abiMismatch(library: String, host: String)
        /// The library has no `parley_plugin_register` symbol.
        case noRegisterEntryPoint
        /// `parley_plugin_register` returned `status` (not 0); `message` is the error the
        /// registration threw, when it went through `PluginRegistrar.withRegistrar`.
        case registrationFailed(status: Int32, message: String?)
    }

    /// The path as given.
    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reasonText)" }

    /// The reason alone, for the operator.
    public var reasonText: String {
        switch reason {
        case .noSuchFile:
            return "no such file"
        case .notLoadable(let text):
            // A missing Swift symbol (mangled names start with `$s`) means the library was
            // compiled against modules whose API this parleyd does not have.
            let swiftSymbol = text.contains("undefined symbol: $s") || text.contains("undefined symbol: _$s")
            return "cannot load: \(text)" + (swiftSymbol ? " (built against a different Parley?)" : "")
        case .noABIEntryPoint:
            return "not a Parley plugin: no \(PluginABI.abiSymbol) entry point"
        case .abiMismatch(let library, let host):
            return "built for \(library), this parleyd is \(host)"
        case .noRegisterEntryPoint:
            return "no \(PluginABI.registerSymbol) entry point"
        case .registrationFailed(let status, let message):
            if let message { return "\(PluginABI.registerSymbol) failed: \(message)" }
            return "\(PluginABI.registerSymbol) returned \(status)"
        }
    }
}

/// Loads `--load-plugin` libraries: `dlopen`, the ABI check, then the library's register
/// entry point with a `PluginRegistrar`. See docs/custom-stores.md.
///
/// A library is never unloaded: Swift code cannot be safely `dlclose`d once its metadata is
/// registered with the runtime, so a library that fails a check after `dlopen` stays mapped
/// (unused) until the process exits — which, for `parleyd`, is at once.
public enum PluginLoader {
    private typealias ABIFunction = @convention(c) () -> UnsafePointer<CChar>?
    private typealias RegisterFunction = @convention(c) (UnsafeMutableRawPointer?) -> Int32

    /// Loads the library at `path` and lets it register into `registrar`. `hostVersion` is
    /// the ABI string this process accepts (tests pass another one).
    public static func load(
        path: String, into registrar: PluginRegistrar, hostVersion: String = PluginABI.version
    ) throws(PluginLoadError) {
        func fail(_ reason: PluginLoadError.Reason) -> PluginLoadError { PluginLoadError(path: path, reason: reason) }

        var status = stat()
        guard !path.isEmpty, stat(path, &status) == 0 else { throw fail(.noSuchFile) }
        // Without a '/', dlopen would search the library path instead of opening the file.
        let file = path.contains("/") ? path : "./" + path
        _ = dlerror()
        guard let handle = dlopen(file, RTLD_NOW | RTLD_LOCAL) else {
            throw fail(.notLoadable(dlerrorText(droppingPrefix: file)))
        }
        guard let abiSymbol = dlsym(handle, PluginABI.abiSymbol) else { throw fail(.noABIEntryPoint) }
        let abi = unsafeBitCast(abiSymbol, to: ABIFunction.self)
        let libraryVersion = abi().map { String(cString: $0) } ?? "(null)"
        guard libraryVersion == hostVersion else {
            throw fail(.abiMismatch(library: libraryVersion, host: hostVersion))
        }
        guard let registerSymbol = dlsym(handle, PluginABI.registerSymbol) else { throw fail(.noRegisterEntryPoint) }
        let register = unsafeBitCast(registerSymbol, to: RegisterFunction.self)
        registrar.failure = nil
        let result = withExtendedLifetime(registrar) {
            register(Unmanaged.passUnretained(registrar).toOpaque())
        }
        guard result == 0 else { throw fail(.registrationFailed(status: result, message: registrar.failure)) }
    }

    /// `dlerror()`'s text without the leading "FILE: " that repeats the path.
    private static func dlerrorText(droppingPrefix file: String) -> String {
        guard let text = dlerror().map({ String(cString: $0) }) else { return "unknown dlopen error" }
        return text.hasPrefix(file + ": ") ? String(text.dropFirst(file.count + 2)) : text
    }
}
