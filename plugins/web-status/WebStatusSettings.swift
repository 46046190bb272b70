import ParleyLauncher

/// The web-status plugin's own settings (the component options come from
/// `ComponentOptions`). Every quantity a peer can make grow is bounded here.
public struct WebStatusSettings: Sendable, Equatable {
    /// Address the HTTP server listens on.
    public var httpHost = "127.0.0.1"
    /// HTTP port; 0 picks a free one (logged in the "web-status listening" line).
    public var httpPort = 5280
    /// The base of the page addresses given to users, without a trailing `/`
    /// (`https://status.example.com`); empty: `http://<http-host>:<bound port>`.
    public var publicURL = ""
    /// Users that may be registered at once; a new registration beyond it is refused.
    public var maximumRegistrations = 10_000
    /// Characters of a status message kept and shown (longer ones are cut, with `…`).
    public var maximumStatusLength = 200
    /// Sessions tracked per registered user; presence from more is ignored.
    public var maximumSessionsPerUser = 32
    /// HTTP connections open at once; beyond it new ones wait in the accept queue.
    public var maximumHTTPConnections = 256
    /// Seconds an idle HTTP connection stays open.
    public var httpIdleTimeout = 30.0
    /// IQs, subscriptions and probes waiting to be handled; beyond it the component
    /// answers service-unavailable (the model's `deliver` refusal).
    public var queueLimit = 10_000

    public init() {}
}

/// The plugin's own options, the same declarations for the command line and the config file.
public enum WebStatusOptions {
    public static let httpHost = PluginOption<String>(
        "http-host", default: "127.0.0.1", help: "Address the HTTP status pages are served on (0.0.0.0 or :: for all).")
    public static let httpPort = PluginOption<Int>(
        "http-port", default: 5280, range: 0...65535, help: "HTTP port of the status pages; 0 picks a free one.")
    public static let publicURL = PluginOption<String>(
        "public-url", default: "",
        help: "Base URL users are told (https://status.example.com); empty: http://<http-host>:<port>.") { value in
            guard !value.isEmpty else { return nil }
            let ok = (value.hasPrefix("http://") || value.hasPrefix("https://")) && !value.hasSuffix("/")
                && !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "<" || $0 == ">" })
            return ok ? nil : "expected an http:// or https:// URL without a trailing '/', got '\(value)'"
        }
    public static let maximumRegistrations = PluginOption<Int>(
        "max-registrations", default: 10_000, range: 1...1_000_000, help: "Users that may be registered at once.")
    public static let statusLength = PluginOption<Int>(
        "status-length", default: 200, range: 0...10_000,
        help: "Characters of a status message shown (longer ones are cut); 0 shows none.")
    public static let httpConnections = PluginOption<Int>(
        "http-max-connections", default: 256, range: 1...100_000, help: "HTTP connections served at once.")
    public static let httpIdleTimeout = PluginOption<Double>(
        "http-idle-timeout", default: 30, range: 1...3600, help: "Seconds an idle HTTP connection stays open.")

    /// All of them, to append to `ComponentOptions.all`.
    public static let all: [any AnyPluginOption] = [
        httpHost, httpPort, publicURL, maximumRegistrations, statusLength, httpConnections, httpIdleTimeout,
    ]

    /// The settings from validated options.
    public static func settings(from options: PluginOptions) -> WebStatusSettings {
        var settings = WebStatusSettings()
        settings.httpHost = options.value(httpHost)
        settings.httpPort = options.value(httpPort)
        settings.publicURL = options.value(publicURL)
        settings.maximumRegistrations = options.value(maximumRegistrations)
        settings.maximumStatusLength = options.value(statusLength)
        settings.maximumHTTPConnections = options.value(httpConnections)
        settings.httpIdleTimeout = options.value(httpIdleTimeout)
        return settings
    }
}
