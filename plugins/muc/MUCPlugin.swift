import ParleyComponent
import ParleyCore
import ParleyLauncher
import ParleyMUC
import ParleyXMPP
import ServiceLifecycle

/// `parleyd muc`: multi-user chat (XEP-0045) on `conference.<domain>`, in process, on the
/// model's shared rooms: `dev@conference.<domain>` is the IRC channel `#dev`.
public enum MUCPlugin: ParleyPlugin {
    public static let name = "muc"
    public static let summary = "Multi-user chat (XEP-0045) on conference.<domain>, the same rooms as IRC channels."

    static let domain = PluginOption<String>(
        "domain", default: "", help: "Domain of the rooms' JIDs; empty: conference.<domain> (xmpp-c2s rooms-domain must match).")
    static let serviceName = PluginOption<String>(
        "name", default: "Chatrooms", help: "The service's name in service discovery.")
    static let lockNewRooms = PluginOption<Bool>(
        "lock-new-rooms", default: true,
        help: "Keep a room that a join creates locked until its owner configures it (XEP-0045 §10.1.1).")
    public static let options: [any AnyPluginOption] = [domain, serviceName, lockNewRooms]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        let configured = options.value(domain).lowercased()
        let serviceDomain = configured.isEmpty ? "conference.\(context.chat.domain)" : configured
        guard JID(serviceDomain).map({ $0.localpart == nil && $0.resource == nil }) == true else {
            throw OptionError(key: domain.name, message: "'\(serviceDomain)' is not a domain")
        }
        let service = MUCService(
            domain: serviceDomain, chat: context.chat,
            codec: XMPPStanzaCodec(extensions: XMPPExtensionCodec(table: context.chat.translation)),
            name: options.value(serviceName), locksNewRooms: options.value(lockNewRooms))
        return ComponentHost(
            placement: ComponentPlacement(domain: serviceDomain, mode: .inProcess), context: context, handler: service)
    }
}
