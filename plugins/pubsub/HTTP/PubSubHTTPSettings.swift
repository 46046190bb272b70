import ParleyLauncher

/// The options of pubsub's HTTP face (docs/pubsub.md, "HTTP face"), each bounded.
public struct PubSubHTTPSettings: Sendable, Equatable {
    /// Address of the shared HTTP listener (web-status's default too).
    public var host = "127.0.0.1"
    /// Its port; 0 picks a free one; -1 turns the HTTP face off.
    public var port = 5280
    /// Serve the face over TLS (HTTPS) on its listener; every plugin on that address must
    /// give the same certificate.
    public var tls = false
    /// PEM certificate chain for `tls`; with `tlsKey` empty too: the domain's certificate
    /// xmpp-c2s uses (given, or generated once into storage/tls/).
    public var tlsCertificate = ""
    /// PEM private key of `tlsCertificate`.
    public var tlsKey = ""
    /// Accept HTTP Basic credentials and tokens over plain HTTP (for tests, or behind a TLS
    /// proxy on loopback); over TLS they are always accepted.
    public var allowPlainAuth = false
    /// Server-sent event streams open at once, over every node; beyond it `503`.
    public var maximumStreams = 64
    /// Events waiting for one stream's reader; a reader that falls further behind is dropped.
    public var streamBuffer = 32
    /// HTTP connections open at once (merged with other plugins' on a shared listener).
    public var maximumConnections = 256

    public init() {}

    /// Whether the HTTP face runs.
    public var isEnabled: Bool { port >= 0 }

    /// Whether Basic credentials and tokens may be taken: over TLS, or when plain is allowed.
    public var acceptsCredentials: Bool { tls || allowPlainAuth }
}

/// The HTTP face's options, the same declarations for the command line and the config file.
public enum PubSubHTTPOptions {
    public static let host = PluginOption<String>(
        "http-host", default: "127.0.0.1", help: "Address of the HTTP face (the HTTP listener it shares with web-status).")
    public static let port = PluginOption<Int>(
        "http-port", default: 5280, range: -1...65535, help: "Port of the HTTP face; 0 picks a free one; -1 turns it off.")
    public static let tls = PluginOption<Bool>(
        "http-tls", default: false, help: "Serve the HTTP face over TLS (HTTPS), where Basic auth and tokens are accepted.")
    public static let tlsCertificate = PluginOption<String>(
        "http-tls-certificate", default: "",
        help: "PEM certificate chain for http-tls; empty: the domain's certificate (as xmpp-c2s's, in storage/tls/).")
    public static let tlsKey = PluginOption<String>(
        "http-tls-key", default: "", help: "PEM private key of http-tls-certificate.")
    public static let allowPlainAuth = PluginOption<Bool>(
        "http-allow-plain-auth", default: false,
        help: "Accept HTTP Basic credentials and tokens over plain HTTP (tests, or a TLS proxy on loopback in front).")
    public static let maximumStreams = PluginOption<Int>(
        "http-max-streams", default: 64, range: 1...10_000, help: "Server-sent event streams open at once.")
    public static let maximumConnections = PluginOption<Int>(
        "http-max-connections", default: 256, range: 1...100_000, help: "HTTP connections served at once.")

    /// All of them, to append to `ComponentOptions.all`.
    public static let all: [any AnyPluginOption] = [
        host, port, tls, tlsCertificate, tlsKey, allowPlainAuth, maximumStreams, maximumConnections,
    ]

    /// The settings from validated options.
    public static func settings(from options: PluginOptions) -> PubSubHTTPSettings {
        var settings = PubSubHTTPSettings()
        settings.host = options.value(host)
        settings.port = options.value(port)
        settings.tls = options.value(tls)
        settings.tlsCertificate = options.value(tlsCertificate)
        settings.tlsKey = options.value(tlsKey)
        settings.allowPlainAuth = options.value(allowPlainAuth)
        settings.maximumStreams = options.value(maximumStreams)
        settings.maximumConnections = options.value(maximumConnections)
        return settings
    }
}
