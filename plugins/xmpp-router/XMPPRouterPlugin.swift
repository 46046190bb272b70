import Logging
import ParleyLauncher
import ServiceLifecycle

/// `parleyd xmpp-router`: accepts external XEP-0114 components on a TCP port and joins
/// them to the chat model that `xmpp-c2s` serves, so stanzas route between XMPP clients,
/// in-process components and external components.
public enum XMPPRouterPlugin: ParleyPlugin {
    public static let name = "xmpp-router"
    public static let summary = "XMPP component router (XEP-0114): external components attach on port 5347."

    static let hostOption = PluginOption<String>(
        "host", default: "127.0.0.1", help: "Address to listen on (0.0.0.0 or :: for all; components are trusted peers).")
    static let portOption = PluginOption<Int>("port", default: 5347, range: 0...65535, help: "TCP port; 0 picks a free one.")
    static let componentsOption = PluginOption<String>(
        "components", default: nil,
        help: "The component domains and their secrets: echo.example.com=secret1,web.example.com=secret2.")
    static let maxStanzaOption = PluginOption<Int>(
        "max-stanza", default: 262_144, range: 1024...16_777_216, help: "Largest stanza in bytes (policy-violation above).")
    static let handshakeTimeoutOption = PluginOption<Double>(
        "handshake-timeout", default: 10, range: 0.5...600, help: "Seconds from connect to a valid handshake.")
    static let floodOption = PluginOption<Int>(
        "max-stanzas-per-second", default: 400_000, range: 1...100_000_000,
        help: "Flood limit per component (token bucket, burst of one second); above it: policy-violation.")
    static let queueOption = PluginOption<Int>(
        "queue-limit", default: 4 << 20, range: 65_536...1 << 30,
        help: "Bytes waiting to be written to one component; above it the component is cut off (it is not reading).")
    static let stallOption = PluginOption<Double>(
        "stall-timeout", default: 10, range: 0.5...3600,
        help: "Seconds a congested component may take no bytes before it is cut off (its senders wait meanwhile).")
    static let keepaliveOption = PluginOption<Double>(
        "keepalive", default: 60, range: 1...3600, help: "Seconds of router silence before a whitespace keepalive.")

    public static let options: [any AnyPluginOption] = [
        hostOption, portOption, componentsOption, maxStanzaOption, handshakeTimeoutOption, floodOption, queueOption,
        stallOption, keepaliveOption,
    ]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        var settings = RouterSettings()
        settings.host = options.value(hostOption)
        settings.port = options.value(portOption)
        settings.secrets = try ComponentSecrets(
            parsing: options.value(componentsOption), key: componentsOption.name, chatDomain: context.chat.domain)
        settings.maxStanzaBytes = options.value(maxStanzaOption)
        settings.handshakeTimeout = options.value(handshakeTimeoutOption)
        settings.maxStanzasPerSecond = options.value(floodOption)
        settings.queueLimitBytes = options.value(queueOption)
        settings.stallTimeout = options.value(stallOption)
        settings.keepaliveInterval = options.value(keepaliveOption)
        var logger = context.logger
        logger[metadataKey: "plugin"] = "xmpp-router"
        return RouterService(
            shared: RouterShared(settings: settings, chat: context.chat, logger: logger, memory: context.memory),
            eventLoopGroup: context.eventLoopGroup)
    }
}
