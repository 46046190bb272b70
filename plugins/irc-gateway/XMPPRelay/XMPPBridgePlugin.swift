import ParleyCore
import ParleyLauncher
import ParleyXMPP
import ParleyXMPPNIO
import ServiceLifecycle

/// `parleyd xmpp-bridge`: the XMPP leg of a relay bridge, between one local room (`room`,
/// already MUC and IRC at once) and one MUC room on another XMPP server, through one bot
/// account there (`XMPPRelayBridge`, docs/irc-gateway.md "Relay bridges"). An irc-bridge
/// entry with the same `room` adds an IRC channel to the same conversation.
public enum XMPPBridgePlugin: ParleyPlugin {
    public static let name = "xmpp-bridge"
    public static let summary = "Relay bridge: a local room and a MUC room on another XMPP server, through one bot account."

    static let room = PluginOption<String>("room", default: "", help: "The local room (dev for #dev and dev@conference.<domain>).")
    static let mucRoom = PluginOption<String>("muc-room", default: "", help: "The room on the other server (dev@conference.example.org).")
    static let jid = PluginOption<String>("jid", default: "", help: "The bot's account there (relay@example.org).")
    static let password = PluginOption<String>("password", default: "", help: "The account's password.")
    static let resource = PluginOption<String>("resource", default: "parley-relay", help: "The resource asked for.")
    static let host = PluginOption<String>("host", default: "", help: "The server to connect to; the account's domain by default.")
    static let port = PluginOption<Int>("port", default: 5222, range: 1...65535, help: "Its client port.")
    static let tls = PluginOption<Bool>(
        "tls", default: true, help: "Require STARTTLS (false: use it when offered; for loopback tests and trusted links).")
    static let verifyCertificate = PluginOption<Bool>("verify-cert", default: true, help: "Check the server's certificate.")
    static let caFile = PluginOption<String>("ca-file", default: "", help: "PEM authorities to trust instead of the system's.")
    static let plainWithoutTLS = PluginOption<Bool>(
        "plain-without-tls", default: false, help: "Allow SASL PLAIN on a clear stream (it sends the password as it is).")
    static let nick = PluginOption<String>("nick", default: "parley-relay", help: "The bot's nick in the other room.")
    static let roomNick = PluginOption<String>("room-nick", default: "xmpp", help: "The bot's nick in the local room.")
    static let format = PluginOption<String>(
        "format", default: "<{nick}> ", help: "How a relayed message names its sender; {nick} is the sender's nick.")
    static let pingInterval = PluginOption<Int>(
        "ping-interval", default: 60, range: 1...3600, help: "Seconds between self-pings in the other room (XEP-0410).")
    static let rejoinDelay = PluginOption<Int>(
        "rejoin-delay", default: 10, range: 1...3600, help: "Seconds before rejoining the other room after leaving it.")

    public static let options: [any AnyPluginOption] = [
        room, mucRoom, jid, password, resource, host, port, tls, verifyCertificate, caFile, plainWithoutTLS, nick, roomNick,
        format, pingInterval, rejoinDelay,
    ]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        guard let roomID = RoomID(options.value(room)) else {
            throw OptionError(key: room.name, message: "'\(options.value(room))' is not a room name")
        }
        guard let far = JID(options.value(mucRoom)), far.localpart != nil, far.resource == nil else {
            throw OptionError(key: mucRoom.name, message: "'\(options.value(mucRoom))' is not a room JID (room@service)")
        }
        guard let account = JID(options.value(jid)), account.localpart != nil, account.resource == nil else {
            throw OptionError(key: jid.name, message: "'\(options.value(jid))' is not an account JID (user@domain)")
        }
        guard !options.value(password).isEmpty else { throw OptionError(key: password.name, message: "the account's password is needed") }
        guard !options.value(resource).isEmpty else {
            throw OptionError(key: resource.name, message: "the resource cannot be empty")
        }
        let farNick = options.value(nick)
        guard !farNick.isEmpty, JID(far.with(resource: farNick).description) != nil else {
            throw OptionError(key: nick.name, message: "'\(farNick)' is not a room nick")
        }
        guard let localNick = Nickname(options.value(roomNick)) else {
            throw OptionError(key: roomNick.name, message: "'\(options.value(roomNick))' is not a nickname")
        }
        guard let relayFormat = RelayFormat(options.value(format)) else {
            throw OptionError(key: format.name, message: "the format needs {nick}")
        }
        let settings = XMPPClientSettings(
            jid: account, password: options.value(password), resource: options.value(resource),
            requireTLS: options.value(tls), allowPlainWithoutTLS: options.value(plainWithoutTLS))
        let ca = options.value(caFile)
        let server = options.value(host)
        let client = XMPPClientConfiguration(
            settings: settings, host: server.isEmpty ? account.domain : server, port: options.value(port),
            verification: !options.value(verifyCertificate) ? .none : ca.isEmpty ? .system : .caFile(ca))
        let timing = XMPPRelayBridge.Timing(
            pingInterval: Double(options.value(pingInterval)), rejoinDelay: Double(options.value(rejoinDelay)))
        return try XMPPRelayBridge(
            room: roomID, localNick: localNick, leg: MUCRelayLeg(room: far, nick: farNick, format: relayFormat),
            chat: context.chat, client: client, timing: timing, logger: context.logger)
    }
}
