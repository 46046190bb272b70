/// The version a `--load-plugin` library must have been compiled against.
///
/// A plugin library is compiled against the module files of one Parley build and leaves
/// Parley's symbols for `dlopen` to resolve against `parleyd`, so it only works with a
/// `parleyd` whose types have the same layout. `version` is inlinable: a plugin that reads
/// it gets the string of the build it was compiled against *compiled into itself*, returns
/// it from `parley_plugin_abi`, and the loader compares it with its own before calling
/// `parley_plugin_register`.
///
/// Change the number whenever a public type a plugin may use changes shape (the registrar,
/// `AuthKindRegistry`, `CredentialChecker`, `Credentials`, `CredentialError`, …), and the
/// compiler part whenever the toolchain changes (a `.swiftmodule` only loads in the
/// compiler that wrote it anyway).
public enum PluginABI {
    /// "parley-plugin-abi-N swift-X.Y".
    @inlinable
    public static var version: String { "parley-plugin-abi-1 swift-6.3" }

    /// `version` as a C string for `parley_plugin_abi` to return. Inlinable, so the string
    /// is the one of the build the plugin was compiled against. Each call allocates a
    /// copy that is never freed; the loader calls the entry point once.
    @inlinable
    public static func makeCString() -> UnsafePointer<CChar> {
        let bytes = Array(version.utf8CString)
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        copy.initialize(from: bytes, count: bytes.count)
        return UnsafePointer(copy)
    }

    /// The C symbol that returns the library's ABI string (`const char *(void)`).
    public static let abiSymbol = "parley_plugin_abi"

    /// The C symbol that registers the library's kinds (`int32_t (void *registrar)`, 0 on
    /// success).
    public static let registerSymbol = "parley_plugin_register"
}
