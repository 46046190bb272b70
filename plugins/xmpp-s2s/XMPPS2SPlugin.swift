import Logging
import NIOCore
import NIOPosix
import ParleyLauncher
import ParleyServerNIO
import ParleyXMPP
import ParleyXMPPNIO
import ServiceLifecycle

/// `parleyd xmpp-s2s`: federation (RFC 6120 server-to-server streams, both ways). Users
/// of the chat domain reach users, servers and rooms of other XMPP domains, and theirs
/// reach ours: STARTTLS, SASL EXTERNAL (XEP-0178) with a certificate that verifies, Server
/// Dialback (XEP-0220) otherwise; DNS SRV or the `hosts` option to find servers.
public enum XMPPS2SPlugin: ParleyPlugin {
    public static let name = "xmpp-s2s"
    public static let summary = "XMPP federation (RFC 6120 s2s): STARTTLS, SASL EXTERNAL, dialback, DNS SRV; port 5269."

    static let hostOption = PluginOption<String>("host", default: "127.0.0.1", help: "Address to listen on (0.0.0.0 or :: for all).")
    static let portOption = PluginOption<Int>("port", default: 5269, range: 0...65535, help: "TCP port; 0 picks a free one.")
    static let directTLSPortOption = PluginOption<Int>(
        "direct-tls-port", default: -1, range: -1...65535,
        help: "Port for direct TLS streams (XEP-0368, advertised as _xmpps-server._tcp); 0 picks a free one; -1: off.")
    static let certificateOption = PluginOption<String>(
        "tls-certificate", default: "",
        help: "PEM certificate chain naming the domain (and its components); empty: the self-signed one in storage/tls/.")
    static let keyOption = PluginOption<String>("tls-key", default: "", help: "PEM private key of tls-certificate.")
    static let caFileOption = PluginOption<String>(
        "ca-file", default: "", help: "PEM trust roots for remote servers' certificates; empty: the system's bundle.")
    static let requireTLSOption = PluginOption<Bool>(
        "require-tls", default: true, help: "Require TLS on every server-to-server stream (RFC 6120 §5.3.1).")
    static let requireValidCertificateOption = PluginOption<Bool>(
        "require-valid-certificate", default: false,
        help: "Refuse remote servers whose certificate does not verify (no dialback over an unauthenticated TLS channel).")
    static let dialbackOption = PluginOption<Bool>(
        "dialback", default: true, help: "Offer and use Server Dialback (XEP-0220) where SASL EXTERNAL is not possible.")
    static let hostsOption = PluginOption<String>(
        "hosts", default: "",
        help: "Static routes before DNS: domain=host[:port],… (private networks and tests).")
    static let allowedOption = PluginOption<String>(
        "allowed-domains", default: "", help: "Comma-separated domains allowed to federate; empty: all not denied.")
    static let deniedOption = PluginOption<String>(
        "denied-domains", default: "", help: "Comma-separated domains refused both ways.")
    static let connectTimeoutOption = PluginOption<Double>(
        "connect-timeout", default: 10, range: 0.5...120, help: "Seconds to open a TCP connection to one address.")
    static let negotiationTimeoutOption = PluginOption<Double>(
        "negotiation-timeout", default: 30, range: 1...600, help: "Seconds from connect to an authenticated stream, either way.")
    static let idleTimeoutOption = PluginOption<Double>(
        "idle-timeout", default: 600, range: 1...86_400, help: "Seconds without a stanza before a stream is closed.")
    static let queueLimitOption = PluginOption<Int>(
        "queue-limit", default: 1000, range: 1...1_000_000,
        help: "Stanzas waiting for one remote domain while its stream is set up; beyond it they bounce.")
    static let sendQueueOption = PluginOption<Int>(
        "send-queue-limit", default: 4 << 20, range: 65_536...1 << 30,
        help: "Bytes written to one remote server and not yet read by it; above it the stream is cut off and its stanzas bounce.")
    static let maxStanzaOption = PluginOption<Int>(
        "max-stanza", default: 262_144, range: 1024...16_777_216, help: "Largest stanza in bytes (policy-violation above).")
    static let floodOption = PluginOption<Int>(
        "max-stanzas-per-second", default: 50_000, range: 1...100_000_000,
        help: "Flood limit per incoming stream (token bucket, one second's burst); above it: policy-violation.")
    static let maxStreamsOption = PluginOption<Int>(
        "max-incoming-streams", default: 1000, range: 1...1_000_000, help: "Incoming streams open at once.")
    static let maxOutgoingOption = PluginOption<Int>(
        "max-outgoing-streams", default: 1000, range: 1...1_000_000,
        help: "Outgoing streams (domain pairs) at once; beyond it stanzas to a new domain get service-unavailable.")
    static let roomSessionsOption = PluginOption<Int>(
        "room-sessions-per-domain", default: 500, range: 1...1_000_000,
        help: "Users (full JIDs) of one remote domain in this process's rooms at once; beyond it a join gets resource-constraint.")
    static let keepaliveOption = PluginOption<Double>(
        "keepalive", default: 60, range: 1...3600, help: "Seconds of silence before a whitespace keepalive.")

    public static let options: [any AnyPluginOption] = [
        hostOption, portOption, directTLSPortOption, certificateOption, keyOption, caFileOption, requireTLSOption, requireValidCertificateOption,
        dialbackOption, hostsOption, allowedOption, deniedOption, connectTimeoutOption, negotiationTimeoutOption,
        idleTimeoutOption, queueLimitOption, sendQueueOption, maxStanzaOption, floodOption, maxStreamsOption, maxOutgoingOption, roomSessionsOption, keepaliveOption,
    ]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        var settings = S2SSettings()
        settings.host = options.value(hostOption)
        settings.port = options.value(portOption)
        settings.directTLSPort = options.value(directTLSPortOption)
        let certificate = options.value(certificateOption), key = options.value(keyOption), ca = options.value(caFileOption)
        settings.certificatePath = certificate.isEmpty ? nil : certificate
        settings.keyPath = key.isEmpty ? nil : key
        settings.caFile = ca.isEmpty ? nil : ca
        settings.requireTLS = options.value(requireTLSOption)
        settings.requireValidCertificate = options.value(requireValidCertificateOption)
        settings.dialback = options.value(dialbackOption)
        do {
            settings.hosts = try S2SStaticHosts(parsing: options.value(hostsOption))
        } catch {
            throw OptionError(key: hostsOption.name, message: "\(error)")
        }
        settings.allowedDomains = domains(options.value(allowedOption))
        settings.deniedDomains = domains(options.value(deniedOption))
        settings.connectTimeout = options.value(connectTimeoutOption)
        settings.negotiationTimeout = options.value(negotiationTimeoutOption)
        settings.idleTimeout = options.value(idleTimeoutOption)
        settings.queueLimit = options.value(queueLimitOption)
        settings.sendQueueLimitBytes = options.value(sendQueueOption)
        settings.maxStanzaBytes = options.value(maxStanzaOption)
        settings.maxStanzasPerSecond = options.value(floodOption)
        settings.maxIncomingStreams = options.value(maxStreamsOption)
        settings.maxOutgoingStreams = options.value(maxOutgoingOption)
        settings.roomSessionsPerDomain = options.value(roomSessionsOption)
        settings.keepaliveInterval = options.value(keepaliveOption)
        var logger = context.logger
        logger[metadataKey: "plugin"] = "xmpp-s2s"
        let tls: S2STLS
        do {
            tls = try S2STLS.load(settings: settings, storageDirectory: context.storageDirectory, domain: context.chat.domain, logger: logger)
        } catch let error as S2SOptionError {
            throw OptionError(key: caFileOption.name, message: "\(error)")
        } catch {
            throw OptionError(key: certificateOption.name, message: "\(error)")
        }
        let shared = S2SShared(
            settings: settings, chat: context.chat, tls: tls, storageDirectory: context.storageDirectory,
            resolver: S2SResolver(hosts: settings.hosts, threadPool: S2SResolver.makeThreadPool()),
            eventLoopGroup: context.eventLoopGroup, logger: logger, memory: context.memory)
        do {
            shared.attach(try context.chat.attachRemoteDomains(handler: S2SRemoteDomains(shared: shared)))
        } catch {
            throw OptionError(key: portOption.name, message: "another xmpp-s2s already serves the remote domains")
        }
        return S2SService(shared: shared)
    }

    static func domains(_ text: String) -> Set<String> {
        Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
    }
}
