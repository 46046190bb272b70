import ParleyLauncher

// The two C entry points `parleyd --load-plugin` looks for (docs/custom-stores.md).

/// The ABI string of the Parley build this library was compiled against (inlined from
/// `PluginABI.version`); the loader refuses the library when it differs from its own.
@_cdecl("parley_plugin_abi")
public func parleyPluginABI() -> UnsafePointer<CChar> {
    PluginABI.makeCString()
}

/// Registers the `passwd-file` auth kind; 0 on success.
@_cdecl("parley_plugin_register")
public func parleyPluginRegister(_ registrar: UnsafeMutableRawPointer?) -> Int32 {
    PluginRegistrar.withRegistrar(registrar) { try PasswdFileStore.register(in: $0.authKinds) }
}
