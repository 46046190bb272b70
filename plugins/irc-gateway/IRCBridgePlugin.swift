import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ParleyLauncher
import ServiceLifecycle

/// `parleyd irc-bridge`: a relay bridge between one local room (`room`, already MUC and
/// IRC at once) and one channel on another IRC network, through one bot connection
/// (`RelayBridge`, docs/irc-gateway.md "Relay bridges"). Several bridges are several
/// plugin entries.
public enum IRCBridgePlugin: ParleyPlugin {
    public static let name = "irc-bridge"
    public static let summary = "Relay bridge: a local room and a channel on another IRC network, through one bot connection."

    static let room = PluginOption<String>("room", default: "", help: "The local room (dev for #dev and dev@conference.<domain>).")
    static let host = PluginOption<String>("host", default: "", help: "The other network's server.")
    static let port = PluginOption<Int>("port", default: 6697, range: 1...65535, help: "Its port.")
    static let tls = PluginOption<Bool>("tls", default: true, help: "Connect with TLS.")
    static let verifyCertificate = PluginOption<Bool>("verify-cert", default: true, help: "Check the server's certificate.")
    static let caFile = PluginOption<String>("ca-file", default: "", help: "PEM authorities to trust instead of the system's.")
    static let channel = PluginOption<String>("channel", default: "", help: "The channel there (#dev).")
    static let nick = PluginOption<String>("nick", default: "parley-relay", help: "The bot's nick on that network.")
    static let roomNick = PluginOption<String>("room-nick", default: "irc", help: "The bot's nick in the local room.")
    static let password = PluginOption<String>("password", default: "", help: "Server password (PASS) there.")
    static let saslPassword = PluginOption<String>(
        "sasl-password", default: "", help: "SASL PLAIN password there (the account is the nick).")
    static let format = PluginOption<String>(
        "format", default: "<{nick}> ", help: "How a relayed message names its sender; {nick} is the sender's nick.")

    public static let options: [any AnyPluginOption] = [
        room, host, port, tls, verifyCertificate, caFile, channel, nick, roomNick, password, saslPassword, format,
    ]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        guard let roomID = RoomID(options.value(room)) else {
            throw OptionError(key: room.name, message: "'\(options.value(room))' is not a room name")
        }
        let server = options.value(host)
        guard !server.isEmpty else { throw OptionError(key: host.name, message: "the other network's server is needed") }
        let target = options.value(channel)
        guard let first = target.first, GatewayAddress.channelPrefixes.contains(first), target.count > 1,
            !target.contains(where: { $0 == " " || $0 == "," || $0.isNewline })
        else { throw OptionError(key: channel.name, message: "'\(target)' is not a channel name") }
        guard IRCNickname.isValid(options.value(nick), maximumLength: 30) else {
            throw OptionError(key: nick.name, message: "'\(options.value(nick))' is not an IRC nick")
        }
        guard let localNick = Nickname(options.value(roomNick)) else {
            throw OptionError(key: roomNick.name, message: "'\(options.value(roomNick))' is not a nickname")
        }
        guard let relayFormat = RelayFormat(options.value(format)) else {
            throw OptionError(key: format.name, message: "the format needs {nick}")
        }
        var client = IRCClientConfiguration(host: server, port: options.value(port), nick: options.value(nick))
        if options.value(tls) {
            let ca = options.value(caFile)
            client.tls = IRCClientTLS(
                verification: !options.value(verifyCertificate) ? .none : ca.isEmpty ? .system : .caFile(ca))
        }
        if !options.value(password).isEmpty { client.password = options.value(password) }
        if !options.value(saslPassword).isEmpty {
            client.sasl = .init(account: options.value(nick), password: options.value(saslPassword))
        }
        return try RelayBridge(
            room: roomID, localNick: localNick, channel: target, format: relayFormat, chat: context.chat, client: client,
            logger: context.logger)
    }
}
