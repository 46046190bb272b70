import ParleyComponent
import ParleyCore
import ParleyCred
import ParleyIRC
import ParleyIRCNIO
import ParleyLauncher
import ServiceLifecycle

/// `parleyd irc-gateway`: XMPP users in channels of any IRC network, in biboumi's
/// addressing (`#chan%irc.example.net@irc.<domain>`), one IRC connection per user and
/// network (docs/irc-gateway.md). In process by default; with `connect` an external
/// XEP-0114 component of Parley's router, Prosody or ejabberd, as biboumi runs.
public enum IRCGatewayPlugin: ParleyPlugin {
    public static let name = "irc-gateway"
    public static let summary = "XMPP ↔ IRC gateway on irc.<domain>, biboumi-compatible addressing (#chan%server@irc.<domain>)."

    static let fixedNetwork = PluginOption<String>(
        "fixed-network", default: "",
        help: "The one IRC network served, addressed without %network (#chan@irc.<domain>); empty: any network.")
    static let ports = PluginOption<String>(
        "ports", default: "",
        help: "Plain-text IRC ports, comma-separated; used only when tls-ports is empty (no fallback from TLS).")
    static let tlsPorts = PluginOption<String>(
        "tls-ports", default: "6697", help: "TLS IRC ports, comma-separated; the first is used.")
    static let verifyCertificate = PluginOption<Bool>(
        "verify-cert", default: true, help: "Check the network's TLS certificate against the system's trust roots (or ca-file).")
    static let caFile = PluginOption<String>(
        "ca-file", default: "", help: "A PEM file of certificate authorities to trust instead of the system's.")
    static let realname = PluginOption<String>(
        "realname", default: "Parley IRC gateway user", help: "The real name sent in USER.")
    static let idleTimeout = PluginOption<Int>(
        "idle-timeout", default: 60, range: 0...86_400,
        help: "Seconds a channel that every resource has left stays joined before PART (and QUIT after the last); 0: at once.")
    static let persistentByDefault = PluginOption<Bool>(
        "persistent-by-default", default: false,
        help: "Stay in channels that every resource has left (bouncer mode) unless a user's channel setting says otherwise.")
    static let allowedNetworks = PluginOption<String>(
        "allowed-networks", default: "",
        help: "The only networks users may reach, comma-separated host names; empty: any (users choose hosts and ports).")
    static let maximumNetworks = PluginOption<Int>(
        "max-networks-per-user", default: 10, range: 1...1000, help: "Networks one user may be connected to at once.")
    static let maximumChannels = PluginOption<Int>(
        "max-channels-per-network", default: 100, range: 1...10_000, help: "Channels one user may be in on one network.")
    static let historyLength = PluginOption<Int>(
        "history-length", default: 20, range: 0...1000, help: "Messages kept per channel for the history sent on entry.")

    /// The component link's queue: larger than other components' (1,000), because a
    /// thousand puppets resuming after a congestion each bring what they read in one go.
    static let queueLimit = ComponentOptions.queueLimit(default: 100_000)

    public static let options: [any AnyPluginOption] =
        [
            fixedNetwork, ports, tlsPorts, verifyCertificate, caFile, realname, idleTimeout, persistentByDefault, historyLength,
            allowedNetworks, maximumNetworks, maximumChannels,
        ] + ComponentOptions.all(queueLimit: queueLimit)

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        let placement = try ComponentPlacement(
            options: options, chatDomain: context.chat.domain, defaultSubdomain: "irc", queueLimit: queueLimit)
        let settings = try settings(from: options)
        let logger = context.logger
        let store = try FlatFileSettingsStore(directory: "\(context.storageDirectory)/irc-gateway", kind: "irc-gateway")
        return ComponentHost(placement: placement, context: context) { link in
            IRCGatewayService(
                context: GatewayContext(link: link, settings: settings), settingsStore: store, logger: logger,
                eventLoops: context.eventLoopGroup)
        }
    }

    static func settings(from options: PluginOptions) throws(OptionError) -> GatewaySettings {
        var settings = GatewaySettings()
        let fixed = options.value(fixedNetwork).lowercased()
        if !fixed.isEmpty {
            guard IRCHostname.isValid(fixed) else { throw OptionError(key: fixedNetwork.name, message: "'\(fixed)' is not a host name") }
            settings.fixedNetwork = fixed
        }
        settings.ports = try portList(options.value(ports), option: ports.name)
        settings.tlsPorts = try portList(options.value(tlsPorts), option: tlsPorts.name)
        guard !settings.ports.isEmpty || !settings.tlsPorts.isEmpty else {
            throw OptionError(key: tlsPorts.name, message: "no port to connect to: set tls-ports or ports")
        }
        let ca = options.value(caFile)
        settings.tls = IRCClientTLS(
            verification: !options.value(verifyCertificate) ? .none : ca.isEmpty ? .system : .caFile(ca))
        settings.realname = options.value(realname)
        settings.idleTimeout = options.value(idleTimeout)
        settings.persistentByDefault = options.value(persistentByDefault)
        settings.historyLength = options.value(historyLength)
        for host in options.value(allowedNetworks).split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() })
        where !host.isEmpty {
            guard IRCHostname.isValid(host) else { throw OptionError(key: allowedNetworks.name, message: "'\(host)' is not a host name") }
            settings.allowedNetworks.insert(host)
        }
        if let fixed = settings.fixedNetwork { settings.allowedNetworks = [fixed] }
        settings.maximumNetworksPerUser = options.value(maximumNetworks)
        settings.maximumChannelsPerNetwork = options.value(maximumChannels)
        return settings
    }

    private static func portList(_ text: String, option: String) throws(OptionError) -> [Int] {
        var result: [Int] = []
        for piece in text.split(separator: ",") {
            guard let port = Int(piece.trimmingCharacters(in: .whitespaces)), (1...65_535).contains(port) else {
                throw OptionError(key: option, message: "'\(piece)' is not a port")
            }
            result.append(port)
        }
        return result
    }
}
