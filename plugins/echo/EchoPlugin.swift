import ParleyComponent
import ParleyLauncher
import ServiceLifecycle

/// `parleyd echo`: the echo bot, in process (`echo.<domain>`) or attached to any XMPP
/// server's component port with `--connect HOST:5347 --domain … --secret …`.
public enum EchoPlugin: ParleyPlugin {
    public static let name = "echo"
    public static let summary = "Echo bot component (XEP-0114): answers 'echo: <body>'; in process or --connect to a server."
    public static let options: [any AnyPluginOption] = ComponentOptions.all

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        let placement = try ComponentPlacement(options: options, chatDomain: context.chat.domain, defaultSubdomain: "echo")
        return ComponentHost(placement: placement, context: context) { link in EchoBot(link: link) }
    }
}
