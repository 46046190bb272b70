import ParleyComponent
import ParleyLauncher
import ServiceLifecycle

/// `parleyd web-status`: the web presence component (the seed's exmpp web-status bot):
/// XEP-0030 disco, XEP-0077 registration with a XEP-0004 form, presence of registered
/// users tracked through subscriptions, and their pages served over HTTP at
/// `/status/<id>` (HTML) and `/status/<id>.json`. In process as `status.<domain>`, or
/// attached to any XMPP server with `--connect HOST:5347 --domain … --secret …`.
public enum WebStatusPlugin: ParleyPlugin {
    public static let name = "web-status"
    public static let summary =
        "Web presence component: XEP-0077 registration, presence tracking, /status/<id> over HTTP; "
        + "in process or --connect."
    public static let options: [any AnyPluginOption] = ComponentOptions.all + WebStatusOptions.all
    /// The subdomain of the chat domain it serves by default: `status.localhost`.
    public static let defaultSubdomain = "status"

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        let placement = try ComponentPlacement(
            options: options, chatDomain: context.chat.domain, defaultSubdomain: defaultSubdomain)
        let settings = WebStatusOptions.settings(from: options)
        return try WebStatusService(placement: placement, settings: settings, context: context)
    }
}
