import ParleyCred
import ParleyLauncher
import TextChatPlugin
import XMPPC2SPlugin

/// The plugins and auth kinds compiled into this `parleyd`.
enum Builtins {
    static var plugins: PluginRegistry {
        var registry = PluginRegistry()
        registry.register(TextChatPlugin.self)
        registry.register(XMPPC2SPlugin.self)
        return registry
    }

    static var authKinds: AuthKindRegistry { AuthKindRegistry.default }
}
