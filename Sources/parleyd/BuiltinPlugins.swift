import EchoPlugin
import IRCServerPlugin
import IRCGatewayPlugin
import MUCPlugin
import ParleyCred
import ParleyLDAP
import ParleyLauncher
import PubSubPlugin
import TextChatPlugin
import WebStatusPlugin
import XMPPC2SPlugin
import XMPPRouterPlugin
import XMPPS2SPlugin

/// The plugins and auth kinds compiled into this `parleyd`.
enum Builtins {
    static var plugins: PluginRegistry {
        var registry = PluginRegistry()
        registry.register(TextChatPlugin.self)
        registry.register(XMPPC2SPlugin.self)
        registry.register(XMPPRouterPlugin.self)
        registry.register(XMPPS2SPlugin.self)
        registry.register(EchoPlugin.self)
        registry.register(WebStatusPlugin.self)
        registry.register(IRCServerPlugin.self)
        registry.register(MUCPlugin.self)
        registry.register(IRCGatewayPlugin.self)
        registry.register(PubSubPlugin.self)
        registry.register(IRCBridgePlugin.self)
        registry.register(XMPPBridgePlugin.self)
        return registry
    }

    /// The default registry with the kinds of the modules linked in (`ldap`), registered
    /// once, the first time it is read.
    static let authKinds: AuthKindRegistry = {
        let registry = AuthKindRegistry.default
        do {
            try LDAPAuthKind.register(in: registry)
        } catch {
            fatalError("cannot register the ldap auth kind: \(error)")
        }
        return registry
    }()
}
