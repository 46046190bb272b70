import ParleyLauncher

/// The options every component plugin shares (echo, web-status, and later MUC and the
/// gateways): where the component runs and under which domain. Declared once here, so
/// `parleyd echo --help` and `parleyd web-status --help` describe them alike.
public enum ComponentOptions {
    public static let domain = PluginOption<String>(
        "domain", default: "",
        help: "The component's domain; empty: <subdomain>.<chat domain> in process (echo.localhost), "
            + "the daemon's --domain with --connect.")
    public static let connect = PluginOption<String>(
        "connect", default: "",
        help: "HOST:PORT of an XMPP server's component port (XEP-0114); empty: run inside this parleyd.")
    public static let secret = PluginOption<String>(
        "secret", default: "", help: "The component's shared secret with the server of --connect.")
    public static let reconnectMaximum = PluginOption<Double>(
        "reconnect-max", default: 30, range: 0.1...3600,
        help: "Longest wait in seconds between attempts to reconnect to --connect (backoff doubles up to it).")
    public static let queueLimit = queueLimit(default: 1000)

    /// `queue-limit` with another default, for a component that relays many connections'
    /// traffic into its one link (the IRC gateway).
    public static func queueLimit(default value: Int) -> PluginOption<Int> {
        PluginOption<Int>(
            "queue-limit", default: value, range: 0...1_000_000,
            help: "Stanzas kept while not connected to --connect or while its socket is backed up; "
                + "from a quarter of it the component is asked to pause its sources; beyond it a send fails at once.")
    }

    /// All of them, to append to a plugin's own options.
    public static let all: [any AnyPluginOption] = all(queueLimit: queueLimit)

    /// All of them with this `queue-limit` option.
    public static func all(queueLimit: PluginOption<Int>) -> [any AnyPluginOption] {
        [domain, connect, secret, reconnectMaximum, queueLimit]
    }
}

/// Where a component runs: inside this `parleyd` (no socket), or attached over XEP-0114
/// to a router or XMPP server it does not control.
public struct ComponentPlacement: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        case inProcess
        case external(host: String, port: Int, secret: String)
    }

    public var domain: String
    public var mode: Mode
    public var reconnectMaximum: Double
    public var queueLimit: Int

    public init(domain: String, mode: Mode, reconnectMaximum: Double = 30, queueLimit: Int = 1000) {
        self.domain = domain
        self.mode = mode
        self.reconnectMaximum = reconnectMaximum
        self.queueLimit = queueLimit
    }

    /// Reads the shared options; a bad `connect` or a missing `secret` names its key.
    ///
    /// In process, the domain defaults to `<defaultSubdomain>.<chatDomain>` and must differ
    /// from the chat domain. With `--connect` this process serves no domain of its own, so
    /// the daemon's domain is the component's: `parleyd echo --connect HOST:5347 --domain
    /// echo.example.com --secret …` (the launcher reads `--domain` wherever it stands).
    public init(
        options: PluginOptions, chatDomain: String, defaultSubdomain: String,
        queueLimit queueLimitOption: PluginOption<Int> = ComponentOptions.queueLimit
    ) throws(OptionError) {
        let domain = options.value(ComponentOptions.domain)
        let connect = options.value(ComponentOptions.connect)
        if !domain.isEmpty {
            self.domain = domain.lowercased()
        } else if !connect.isEmpty {
            self.domain = chatDomain.lowercased()
        } else {
            self.domain = "\(defaultSubdomain).\(chatDomain)".lowercased()
        }
        guard !connect.isEmpty || self.domain != chatDomain.lowercased() else {
            throw OptionError(key: ComponentOptions.domain.name, message: "must differ from the chat domain '\(chatDomain)'")
        }
        reconnectMaximum = options.value(ComponentOptions.reconnectMaximum)
        queueLimit = options.value(queueLimitOption)
        mode = try Self.mode(from: options)
    }

    /// In process without `connect`; else the server of `connect` (HOST:PORT) with the
    /// `secret`, which it requires.
    public static func mode(from options: PluginOptions) throws(OptionError) -> Mode {
        let connect = options.value(ComponentOptions.connect)
        guard !connect.isEmpty else { return .inProcess }
        guard let colon = connect.lastIndex(of: ":"), let port = Int(connect[connect.index(after: colon)...]),
            (1...65535).contains(port), colon != connect.startIndex
        else {
            throw OptionError(key: ComponentOptions.connect.name, message: "expected HOST:PORT, got '\(connect)'")
        }
        var host = String(connect[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let secret = options.value(ComponentOptions.secret)
        guard !secret.isEmpty else {
            throw OptionError(key: ComponentOptions.secret.name, message: "required with --connect")
        }
        return .external(host: host, port: port, secret: secret)
    }
}
