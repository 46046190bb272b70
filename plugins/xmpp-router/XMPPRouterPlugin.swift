import ParleyLauncher
import ServiceLifecycle

/// `parleyd xmpp-router`: accepts external XEP-0114 components (skeleton; being built).
public enum XMPPRouterPlugin: ParleyPlugin {
    public static let name = "xmpp-router"
    public static let summary = "XMPP component router (XEP-0114): external components attach on port 5347."
    public static let options: [any AnyPluginOption] = []

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        throw OptionError(key: "plugin", message: "xmpp-router is not built yet")
    }
}
