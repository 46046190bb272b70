import EchoPlugin
import IRCServerPlugin
import ParleyCred
import ParleyLauncher
import TextChatPlugin
import WebStatusPlugin
import XMPPC2SPlugin
import XMPPRouterPlugin

/// The plugins and auth kinds compiled into this `parleyd`.
enum Builtins {
    static var plugins: PluginRegistry {
        var registry = PluginRegistry()
        registry.register(TextChatPlugin.self)
        registry.register(XMPPC2SPlugin.self)
        registry.register(XMPPRouterPlugin.self)
        registry.register(EchoPlugin.self)
        registry.register(WebStatusPlugin.self)
        registry.register(IRCServerPlugin.self)
        return registry
    }

    static var authKinds: AuthKindRegistry { AuthKindRegistry.default }
}
