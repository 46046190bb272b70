import Foundation
import Logging
import NIOSSL
import ParleyLauncher
import ParleyServerNIO
import ParleyXMPPNIO
import ServiceLifecycle

/// `parleyd irc-server`: an IRC server (RFC 1459/2812 as modern.ircdocs.horse describes
/// them, with IRCv3 capabilities) whose channels are the model's rooms and whose users are
/// the model's users, so IRC and XMPP users meet in the same rooms.
public enum IRCServerPlugin: ParleyPlugin {
    public static let name = "irc-server"
    public static let summary = "IRC server with IRCv3 (CAP, SASL PLAIN, message-tags, server-time…) on the chat model."

    static let hostOption = PluginOption<String>("host", default: "127.0.0.1", help: "Address to listen on (0.0.0.0 or :: for all).")
    static let portOption = PluginOption<Int>("port", default: 6667, range: 0...65535, help: "Plain-text TCP port; 0 picks a free one.")
    static let tlsPortOption = PluginOption<Int>(
        "tls-port", default: 6697, range: 0...65535, help: "TLS port (RFC 7194); 0 turns the TLS listener off.")
    static let certificateOption = PluginOption<String>(
        "certificate", default: "", help: "PEM certificate chain; empty: a self-signed one in storage/tls/.")
    static let keyOption = PluginOption<String>("private-key", default: "", help: "PEM private key of the certificate.")
    static let serverNameOption = PluginOption<String>(
        "server-name", default: "", help: "Server name in replies; empty: the chat domain.")
    static let networkOption = PluginOption<String>("network", default: "Parley", help: "Network name (ISUPPORT NETWORK).")
    static let motdOption = PluginOption<String>("motd-file", default: "", help: "Text file shown as the MOTD; empty: a built-in one.")
    static let guestsOption = PluginOption<Bool>(
        "allow-guests", default: false, help: "Let clients register without logging in (as guest users).")
    static let protectOption = PluginOption<Bool>(
        "protect-account-nicks", default: true, help: "Reserve a nick equal to an account's name to that account (433 otherwise).")
    static let plainOption = PluginOption<Bool>(
        "allow-plain-without-tls", default: false, help: "Offer SASL PLAIN and accept PASS on the plain-text port (testing only).")
    static let pingIntervalOption = PluginOption<Double>(
        "ping-interval", default: 120, range: 0.1...3600, help: "Seconds of client silence before the server sends PING.")
    static let pingTimeoutOption = PluginOption<Double>(
        "ping-timeout", default: 60, range: 0.1...3600, help: "Seconds to wait for any line after PING before closing.")
    static let registrationTimeoutOption = PluginOption<Double>(
        "registration-timeout", default: 60, range: 1...3600, help: "Seconds from connect to a completed registration.")
    static let maxConnectionsOption = PluginOption<Int>(
        "max-connections", default: 10_000, range: 1...1_000_000, help: "Open connections accepted at once.")
    static let floodBurstOption = PluginOption<Int>(
        "flood-burst", default: 10, range: 1...1000, help: "Lines a client may send at once before they are held back.")
    static let floodRateOption = PluginOption<Double>(
        "flood-rate", default: 2, range: 0.1...10_000, help: "Lines per second a client may send in the long run.")

    static let sendQueueOption = PluginOption<Int>(
        "max-send-queue", default: SendQueueLimit.defaultBytes, range: 65_536...1_073_741_824,
        help: "Bytes waiting for a client that does not read before it is disconnected.")
    static let opersFileOption = PluginOption<String>(
        "opers-file", default: "",
        help: "Server operators, one per line: name, 'parleyd user hash' record, [mask=user@ip] [vhost=host]; empty: none.")
    static let utf8OnlyOption = PluginOption<Bool>(
        "utf8-only", default: true,
        help: "Refuse text that is not UTF-8 (FAIL INVALID_UTF8, ISUPPORT UTF8ONLY); off: read it as Latin-1.")
    public static let options: [any AnyPluginOption] = [
        hostOption, portOption, tlsPortOption, certificateOption, keyOption, serverNameOption, networkOption, motdOption,
        guestsOption, protectOption, plainOption, pingIntervalOption, pingTimeoutOption, registrationTimeoutOption,
        maxConnectionsOption, floodBurstOption, floodRateOption, sendQueueOption, opersFileOption, utf8OnlyOption,
    ]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        var settings = IRCServerSettings()
        settings.host = options.value(hostOption)
        settings.port = options.value(portOption)
        let tlsPort = options.value(tlsPortOption)
        settings.tlsPort = tlsPort == 0 ? nil : tlsPort
        let certificate = options.value(certificateOption)
        let key = options.value(keyOption)
        settings.certificatePath = certificate.isEmpty ? nil : certificate
        settings.keyPath = key.isEmpty ? nil : key
        let serverName = options.value(serverNameOption)
        settings.serverName = serverName.isEmpty ? nil : serverName
        settings.network = options.value(networkOption)
        let motdFile = options.value(motdOption)
        settings.motdFile = motdFile.isEmpty ? nil : motdFile
        settings.allowGuests = options.value(guestsOption)
        settings.protectAccountNicks = options.value(protectOption)
        settings.allowPlainWithoutTLS = options.value(plainOption)
        settings.pingInterval = options.value(pingIntervalOption)
        settings.pingTimeout = options.value(pingTimeoutOption)
        settings.registrationTimeout = options.value(registrationTimeoutOption)
        settings.maxConnections = options.value(maxConnectionsOption)
        settings.floodBurst = options.value(floodBurstOption)
        settings.sendQueue = SendQueueLimit(bytes: options.value(sendQueueOption))
        settings.floodRate = options.value(floodRateOption)
        let opersFile = options.value(opersFileOption)
        settings.opersFile = opersFile.isEmpty ? nil : opersFile
        settings.utf8Only = options.value(utf8OnlyOption)
        guard !(settings.serverName ?? "x").contains(" "), !settings.network.contains(" ") else {
            throw OptionError(key: serverNameOption.name, message: "server-name and network cannot contain spaces")
        }
        var logger = context.logger
        logger[metadataKey: "plugin"] = "irc-server"
        return try makeService(settings: settings, context: context, logger: logger)
    }

    /// The service for already-validated settings (tests build settings directly).
    static func makeService(settings: IRCServerSettings, context: PluginContext, logger: Logger) throws -> IRCServerService {
        let motd: [String]?
        do {
            motd = try loadMOTD(settings)
        } catch {
            throw OptionError(key: motdOption.name, message: "\(error)")
        }
        let operators: IRCOperators
        do {
            operators = try loadOperators(settings)
        } catch {
            throw OptionError(key: opersFileOption.name, message: "\(error)")
        }
        var tls: ReloadableTLSContext?
        if settings.tlsPort != nil {
            do {
                tls = try ReloadableTLSContext(
                    certificatePath: settings.certificatePath, keyPath: settings.keyPath,
                    storageDirectory: context.storageDirectory, domain: context.chat.domain, logger: logger)
            } catch {
                throw OptionError(key: certificateOption.name, message: "\(error)")
            }
        }
        let shared = IRCServerShared(
            settings: settings, chat: context.chat, portal: context.portal, tls: tls, logger: logger, motd: motd,
            operators: operators, memory: context.memory)
        return IRCServerService(shared: shared, eventLoopGroup: context.eventLoopGroup)
    }

    /// The MOTD lines from `motd-file` (each cut to 400 bytes, control characters trimmed),
    /// the built-in one without a file, nil for an empty file (ERR_NOMOTD).
    static func loadMOTD(_ settings: IRCServerSettings) throws -> [String]? {
        guard let path = settings.motdFile else { return IRCServerInfo.defaultMOTD }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw MOTDError(description: "cannot read \(path)")
        }
        var motd = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.prefix(400)).trimmingCharacters(in: .controlCharacters)
        }
        if motd.last?.isEmpty == true { motd.removeLast() }
        return motd.isEmpty ? nil : motd
    }

    /// The operators of `opers-file`, none without one.
    static func loadOperators(_ settings: IRCServerSettings) throws -> IRCOperators {
        guard let path = settings.opersFile else { return IRCOperators() }
        return try IRCOperators(contentsOf: path)
    }

    struct MOTDError: Error, CustomStringConvertible {
        let description: String
    }
}
