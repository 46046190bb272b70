import ParleyComponent
import Foundation
import ParleyCore
import ParleyCred
import ParleyLauncher
import ParleyMUC
import ParleyXMPP
import ServiceLifecycle

/// `parleyd muc`: multi-user chat (XEP-0045) on `conference.<domain>`, on the model's shared
/// rooms: `dev@conference.<domain>` is the IRC channel `#dev`. In process by default; with
/// `connect` an external XEP-0114 component of another XMPP server (`MUCComponentGateway`).
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
    static let archive = PluginOption<Bool>(
        "archive", default: true,
        help: "Archive rooms' messages in <storage>/archive for XEP-0313 queries and history after a restart.")
    static let archiveMaxMessages = PluginOption<Int>(
        "archive-max-messages", default: 10_000, range: 1...10_000_000, help: "Most messages archived per room; older ones are deleted.")
    static let archiveMaxDays = PluginOption<Int>(
        "archive-max-days", default: 0, range: 0...36_500, help: "Days a message stays in the archive; 0 keeps it until the count limit.")
    public static let options: [any AnyPluginOption] = [
        domain, serviceName, lockNewRooms, archive, archiveMaxMessages, archiveMaxDays, ComponentOptions.connect,
        ComponentOptions.secret, ComponentOptions.reconnectMaximum, ComponentOptions.queueLimit,
    ]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        let configured = options.value(domain).lowercased()
        let serviceDomain = configured.isEmpty ? "conference.\(context.chat.domain)" : configured
        guard JID(serviceDomain).map({ $0.localpart == nil && $0.resource == nil }) == true else {
            throw OptionError(key: domain.name, message: "'\(serviceDomain)' is not a domain")
        }
        if options.value(archive) {
            let count = options.value(archiveMaxMessages), days = options.value(archiveMaxDays)
            context.chat.attachArchive(
                try FlatFileRoomArchive(
                    directory: "\(context.storageDirectory)/archive", maxMessages: count,
                    maxAge: days == 0 ? nil : TimeInterval(days) * 86_400, logger: context.logger))
        }
        let mode = try ComponentPlacement.mode(from: options)
        let placement = ComponentPlacement(
            domain: serviceDomain, mode: mode, reconnectMaximum: options.value(ComponentOptions.reconnectMaximum),
            queueLimit: options.value(ComponentOptions.queueLimit))
        let extensions = XMPPExtensionCodec(table: context.chat.translation, rooms: RoomJIDMapping(domain: serviceDomain))
        guard case .external = mode else {
            let service = MUCService(
                domain: serviceDomain, chat: context.chat, codec: XMPPStanzaCodec(extensions: extensions),
                name: options.value(serviceName), locksNewRooms: options.value(lockNewRooms))
            return ComponentHost(placement: placement, context: context, handler: service)
        }
        // XEP-0114: the users of the server reach the rooms through the component link.
        let service = MUCService(
            domain: serviceDomain, chat: context.chat,
            codec: XMPPStanzaCodec(extensions: extensions, namespace: XMPPNamespace.component),
            name: options.value(serviceName), locksNewRooms: options.value(lockNewRooms))
        return ComponentHost(placement: placement, context: context) { link in
            MUCComponentGateway(service: service, link: link as! any XMPPStanzaLink)
        }
    }
}
