import ParleyComponent
import ParleyLauncher
import ParleyPubSub
import ServiceLifecycle

/// `parleyd pubsub`: the XEP-0060 publish-subscribe service (docs/pubsub.md), in process
/// as `pubsub.<domain>` or attached to any XMPP server with
/// `--connect HOST:5347 --domain … --secret …`. Nodes and items persist in
/// `storage/pubsub/`. Its HTTP face (JSON, Atom, server-sent events, publishing by POST)
/// is served at `/pubsub/` on the process's shared HTTP listener.
public enum PubSubPlugin: ParleyPlugin {
    public static let name = "pubsub"
    public static let summary =
        "Publish-subscribe service (XEP-0060) with nodes and items kept in storage/pubsub/; in process or --connect."
    public static let options: [any AnyPluginOption] = ComponentOptions.all + PubSubHTTPOptions.all
    /// The subdomain of the chat domain it serves by default: `pubsub.localhost`.
    public static let defaultSubdomain = "pubsub"

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        let placement = try ComponentPlacement(
            options: options, chatDomain: context.chat.domain, defaultSubdomain: defaultSubdomain)
        return try PubSubComponentService(
            placement: placement, limits: PubSubLimits(), http: PubSubHTTPOptions.settings(from: options), context: context)
    }
}
