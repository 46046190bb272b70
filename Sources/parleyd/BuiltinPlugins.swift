import ParleyCred
import ParleyLauncher
import TextChatPlugin

/// The plugins and auth kinds compiled into this `parleyd`.
enum Builtins {
    static var plugins: PluginRegistry {
        var registry = PluginRegistry()
        registry.register(TextChatPlugin.self)
        return registry
    }

    static var authKinds: AuthKindRegistry { AuthKindRegistry.default }
}
